//! Password hashing with argon2id (the crate's recommended parameters, OWASP's minimum: 19 MiB,
//! two passes), on a small pool of its own threads.
//!
//! Why a pool: each hash needs 19 MiB. Run on tokio's blocking pool, a burst of sign-ins ran up to
//! 512 hashes at once, and the allocator kept what they had used in per-thread arenas: one instance
//! held gigabytes after a 16-second flood. Here a fixed number of workers (fewer than the cores, so
//! hashing never starves the rest of the server) each own one block of argon2 memory, allocated for
//! the first hash of a burst, reused for the rest, and released after a few idle seconds. Work beyond
//! a bounded queue is refused at once with 503 and `Retry-After` instead of piling up.

use std::{
    sync::{
        mpsc::{self, RecvTimeoutError, SyncSender, TrySendError},
        Arc, Mutex, OnceLock,
    },
    time::Duration,
};

use argon2::{
    password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use subtle::ConstantTimeEq;

use crate::server::error::{AppError, AppResult};
use crate::shared::identity::{normalise, Password};

/// Seconds a refused sign-in is told to wait.
const BUSY_RETRY_SECS: u64 = 2;

enum Work {
    Hash(String),
    Verify { plain: String, stored: String },
}

struct Job {
    work: Work,
    reply: tokio::sync::oneshot::Sender<AppResult<Outcome>>,
}

enum Outcome {
    Hashed(String),
    Matches(bool),
}

/// The hashing workers and the queue in front of them; one per process.
pub struct HashPool {
    queue: SyncSender<Job>,
    workers: usize,
    depth: usize,
}

static POOL: OnceLock<HashPool> = OnceLock::new();

/// Workers below the core count (at least one), so the other cores keep serving.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

/// Sizes the pool; the first call wins (later servers in the same process share it).
pub fn init_pool(workers: usize, depth: usize) -> &'static HashPool {
    POOL.get_or_init(|| HashPool::start(workers.max(1), depth.max(1)))
}

fn pool() -> &'static HashPool {
    POOL.get_or_init(|| HashPool::start(default_workers(), 32))
}

impl HashPool {
    fn start(workers: usize, depth: usize) -> Self {
        let (queue, jobs) = mpsc::sync_channel::<Job>(depth);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..workers {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(&jobs));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing worker");
            }
        }
        Self {
            queue,
            workers,
            depth,
        }
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    async fn run(&self, work: Work) -> AppResult<Outcome> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        match self.queue.try_send(Job { work, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::Overloaded {
                    retry_after_secs: BUSY_RETRY_SECS,
                })
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "password hashing workers stopped"
                )))
            }
        }
        answer
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("a password hashing worker died")))?
    }
}

/// How long a worker keeps its argon2 memory with nothing to hash. A burst reuses one block; a
/// quiet server holds none (19 MiB per worker otherwise).
const IDLE_RELEASE: Duration = Duration::from_secs(5);

fn worker(jobs: &Mutex<mpsc::Receiver<Job>>) {
    // This worker's argon2 memory: allocated for the first hash, reused by every hash that follows,
    // and handed back (as its own mapping, see `server::memory`) once the queue has been idle.
    let mut blocks: Option<Vec<Block>> = None;
    loop {
        let job = {
            let Ok(queue) = jobs.lock() else { return };
            // With a timeout, so that an idle worker lets go of the lock (and its memory) in turn.
            match queue.recv_timeout(IDLE_RELEASE) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    blocks = None;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        let blocks = blocks.get_or_insert_with(|| vec![Block::new(); Params::default().block_count()]);
        let outcome = match job.work {
            Work::Hash(plain) => hash_with(blocks, &plain).map(Outcome::Hashed),
            Work::Verify { plain, stored } => Ok(Outcome::Matches(verify_with(blocks, &plain, &stored))),
        };
        let _ = job.reply.send(outcome);
    }
}

fn hash_with(blocks: &mut [Block], plain: &str) -> AppResult<String> {
    let internal = |e: argon2::password_hash::Error| AppError::Internal(anyhow::anyhow!("argon2: {e}"));
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(internal)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(plain.as_bytes(), salt_bytes, &mut out, &mut *blocks)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2: {e}")))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(internal)?),
    };
    Ok(hash.to_string())
}

/// Checks `plain` against a stored hash of either kind (argon2 PHC string, or bcrypt from the old
/// backend). A missing or malformed hash never matches.
fn verify_with(blocks: &mut Vec<Block>, plain: &str, stored: &str) -> bool {
    if is_legacy(stored) {
        return bcrypt::verify(plain, stored).unwrap_or(false);
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    if blocks.len() < params.block_count() {
        // A hash made with more memory than today's default: grow this worker's block for it.
        blocks.resize(params.block_count(), Block::new());
    }
    let mut out = vec![0u8; expected.len()];
    let ok = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(plain.as_bytes(), salt, &mut out, &mut blocks[..])
        .is_ok();
    ok && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// Hashes a parsed password.
pub async fn hash(password: &Password) -> AppResult<String> {
    hash_plain(password.expose()).await
}

/// Hashes a password that was already checked (a correct sign-in's rehash).
pub async fn hash_plain(plain: &str) -> AppResult<String> {
    match pool().run(Work::Hash(plain.to_owned())).await? {
        Outcome::Hashed(h) => Ok(h),
        Outcome::Matches(_) => Err(AppError::Internal(anyhow::anyhow!("hash pool answered a verify"))),
    }
}

/// Hashes a password outside the pool, on the calling thread (start-up and command-line tools).
pub fn hash_blocking(plain: &str) -> AppResult<String> {
    let mut blocks = vec![Block::new(); Params::default().block_count()];
    hash_with(&mut blocks, plain)
}

/// True when `plain` matches the stored hash (argon2id or an imported bcrypt hash). The password
/// is normalised as `Password::parse` does, so a password set on one keyboard works on another.
pub async fn verify_stored(plain: &str, stored: &str) -> AppResult<bool> {
    let work = Work::Verify {
        plain: normalise(plain),
        stored: stored.to_owned(),
    };
    match pool().run(work).await? {
        Outcome::Matches(m) => Ok(m),
        Outcome::Hashed(_) => Err(AppError::Internal(anyhow::anyhow!("hash pool answered a hash"))),
    }
}

/// Hashes imported from the old backend (bcrypt `$2a$`/`$2b$`/`$2y$`), to be replaced by argon2id.
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with("$2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let p = Password::parse("Corr3ct-horse").unwrap();
        let a = hash(&p).await.unwrap();
        let b = hash(&p).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b);
        assert!(verify_stored("Corr3ct-horse", &a).await.unwrap());
        assert!(!verify_stored("Corr3ct-horsf", &a).await.unwrap());
        assert!(!verify_stored("Corr3ct-horse", "not a hash").await.unwrap());
        assert!(!verify_stored("Corr3ct-horse", "").await.unwrap());
    }

    #[test]
    fn pool_hashes_are_what_the_argon2_crate_verifies() {
        use argon2::PasswordVerifier;
        let h = hash_blocking("Corr3ct-horse").unwrap();
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default()
            .verify_password(b"Corr3ct-horse", &parsed)
            .is_ok());
        // And hashes the crate made (other parameters too) verify here.
        use argon2::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 3, 1, None).unwrap(),
        );
        let theirs = small.hash_password(b"Corr3ct-horse", &salt).unwrap().to_string();
        let mut blocks = vec![Block::new(); 16];
        assert!(verify_with(&mut blocks, "Corr3ct-horse", &theirs));
        assert!(!verify_with(&mut blocks, "wrong", &theirs));
    }

    #[test]
    fn bcrypt_hashes_from_the_old_backend_verify() {
        let old = bcrypt::hash("Passw0rd!", 4).unwrap();
        let mut blocks = Vec::new();
        assert!(verify_with(&mut blocks, "Passw0rd!", &old));
        assert!(!verify_with(&mut blocks, "Passw0rd?", &old));
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once() {
        let tiny = HashPool::start(1, 1);
        let jobs: Vec<_> = (0..8).map(|_| tiny.run(Work::Hash("x".repeat(12)))).collect();
        let results = futures_util::future::join_all(jobs).await;
        assert!(results
            .iter()
            .any(|r| matches!(r, Err(AppError::Overloaded { .. }))));
        assert!(results.iter().any(|r| r.is_ok()));
    }
}
