//! Message texts: plain text for every client, HTML for those that show it.

/// A rendered email.
#[derive(Debug, Clone)]
pub struct EmailMessage {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn html_page(title: &str, intro: &str, code: &str, outro: &str) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#0f172a\">\
         <h2 style=\"color:#4f46e5\">{title}</h2><p>{intro}</p>\
         <p style=\"font-size:28px;font-weight:700;letter-spacing:6px\">{code}</p>\
         <p style=\"color:#475569\">{outro}</p></body></html>"
    )
}

/// A notification as an email's HTML: the title, the message, and who sends it.
pub fn notice_html(title: &str, body: &str, business: &str) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#0f172a\">\
         <h2 style=\"color:#4f46e5\">{}</h2><p>{}</p><p style=\"color:#475569\">{}</p></body></html>",
        escape(title),
        escape(body).replace('\n', "<br>"),
        escape(business)
    )
}

/// To an address nobody has proven yet: so it carries nothing the person who typed the address
/// chose (no name), or anyone could send their own text to any inbox through us.
pub fn verification_code(code: &str, minutes: i64) -> EmailMessage {
    let intro = "Hello, use this code to verify your email address:".to_owned();
    let outro = format!("The code expires in {minutes} minutes. If you did not sign up, ignore this email.");
    EmailMessage {
        subject: "Verify your email".into(),
        text: format!(
            "Hello,\n\nYour verification code is {code}\n\nIt expires in {minutes} minutes. \
             If you did not sign up, ignore this email.\n"
        ),
        html: html_page("Verify your email", &intro, code, &outro),
    }
}

pub fn password_reset_code(name: &str, code: &str, minutes: i64) -> EmailMessage {
    let intro = format!("Hello {}, use this code to reset your password:", escape(name));
    let outro = format!(
        "The code expires in {minutes} minutes. If you did not ask for it, ignore this email: your password is unchanged."
    );
    EmailMessage {
        subject: "Your password reset code".into(),
        text: format!(
            "Hello {name},\n\nYour password reset code is {code}\n\nIt expires in {minutes} minutes. \
             If you did not ask for it, ignore this email: your password is unchanged.\n"
        ),
        html: html_page("Reset your password", &intro, code, &outro),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn link_page(title: &str, intro: &str, url: &str, button: &str, outro: &str) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#0f172a\">\
         <h2 style=\"color:#4f46e5\">{title}</h2><p>{intro}</p>\
         <p><a href=\"{url}\" style=\"display:inline-block;background:#4f46e5;color:#fff;padding:10px 18px;\
         border-radius:6px;text-decoration:none\">{button}</a></p>\
         <p style=\"color:#475569;font-size:13px\">Or open: {url}</p><p style=\"color:#475569\">{outro}</p></body></html>",
        url = escape(url)
    )
}

pub fn password_reset_link(name: &str, url: &str) -> EmailMessage {
    EmailMessage {
        subject: "Reset your password".into(),
        text: format!(
            "Hello {name},\n\nOpen this link to choose a new password:\n{url}\n\nThe link works once and \
             expires in 1 hour. If you did not ask for it, ignore this email.\n"
        ),
        html: link_page(
            "Reset your password",
            &format!(
                "Hello {}, follow the link to choose a new password.",
                escape(name)
            ),
            url,
            "Choose a new password",
            "The link works once and expires in 1 hour. If you did not ask for it, ignore this email.",
        ),
    }
}

pub fn invitation(role: &str, url: &str, days: i64) -> EmailMessage {
    EmailMessage {
        subject: "You have been invited to Pulse".into(),
        text: format!(
            "Hello,\n\nYou have been given the {role} role in Pulse. Open this link to set your password:\n{url}\n\n\
             The link works once and expires in {days} days.\n"
        ),
        html: link_page(
            "You have been invited to Pulse",
            &format!("You have been given the <b>{}</b> role. Set a password to sign in.", escape(role)),
            url,
            "Set my password",
            &format!("The link works once and expires in {days} days."),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_escaped_in_html_only() {
        let m = super::password_reset_code("<b>Ann</b>", "123456", 10);
        assert!(m.html.contains("&lt;b&gt;Ann"));
        assert!(m.text.contains("<b>Ann</b>"));
        assert!(m.text.contains("123456") && m.html.contains("123456"));
    }

    #[test]
    fn verification_mail_carries_only_the_code() {
        let m = super::verification_code("123456", 10);
        assert!(m.text.starts_with("Hello,\n"));
        assert!(m.text.contains("123456") && m.html.contains("123456"));
    }
}
