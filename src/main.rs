//! The `pulse` command: `serve` (default), `migrate`, `create-owner`, `seed-demo`.

use clap::{Parser, Subcommand};
use pulse::server::{cli, config::Config, telemetry};

#[derive(Parser)]
#[command(
    name = "pulse",
    version,
    about = "Pulse booking platform: JSON API and admin portal"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API and portal (the default).
    Serve,
    /// Apply pending migrations and seed roles and permissions, then exit.
    Migrate,
    /// Create an Owner account (password from PULSE_OWNER_PASSWORD, or asked for).
    CreateOwner {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Add demo categories to an empty catalog; with --days, a whole demo business (development,
    /// demos and benchmarks).
    SeedDemo {
        /// Also add services, experts with working hours, customers, and this many days of past
        /// bookings plus two weeks ahead, when there are no experts yet.
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=3660))]
        days: Option<u32>,
    },
}

fn main() -> std::process::ExitCode {
    // Before the runtime's threads exist: they are what the allocator's arenas are made for.
    pulse::server::memory::tune_allocator();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("pulse: cannot start the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let args = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pulse: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_json);
    let result = match args.command.unwrap_or(Command::Serve) {
        Command::Serve => cli::serve(config).await,
        Command::Migrate => cli::migrate(config).await,
        Command::CreateOwner { email, name } => cli::create_owner(config, &email, &name).await,
        Command::SeedDemo { days } => cli::seed_demo(config, days).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pulse: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
