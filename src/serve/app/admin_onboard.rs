//! `POST /onboard`: the onboard command over HTTP, for an admin holding
//! `STATUSINATOR_ADMIN_TOKEN`. The same checks and lossless merge as the command; one request is
//! worked at a time, and its body is held once.

use bytes::Bytes;

use super::App;
use crate::onboard;
use crate::secret::SecretString;
use crate::serve::answer::Answer;

impl App {
    /// Why `POST /onboard` is refused before its body is read: off (404) or not authorized
    /// (401); `None` when it may go on.
    pub fn onboard_refusal(&self, authorization: Option<&str>) -> Option<Answer> {
        let Some(admin) = &self.admin_token else {
            return Some(Answer::json(
                404,
                &serde_json::json!({"ok": false, "error": "POST /onboard is off: set \
                    STATUSINATOR_ADMIN_TOKEN for the service to turn it on"}),
            ));
        };
        if !self.authorized(admin, authorization) {
            return Some(Answer::json(
                401,
                &serde_json::json!({"ok": false, "error": "POST /onboard needs \
                    Authorization: Bearer <STATUSINATOR_ADMIN_TOKEN>"}),
            ));
        }
        None
    }

    /// `POST /onboard`: the admin token, then the same checks and merge as the command.
    pub fn onboard(&self, authorization: Option<&str>, query: &str, body: Bytes) -> Answer {
        if let Some(refusal) = self.onboard_refusal(authorization) {
            return refusal;
        }
        let flag = |name: &str| {
            url::form_urlencoded::parse(query.as_bytes())
                .any(|(k, v)| k == name && matches!(v.as_ref(), "" | "1" | "true" | "yes"))
        };
        let options = onboard::Options {
            replace: flag("replace"),
            dry_run: flag("dry_run"),
            progress: false,
            whole_file: false,
        };
        const SOURCE: &str = "POST /onboard";
        // The body is dropped once parsed: a large data: URL is held once, then decoded.
        let value = onboard::parse_input(&body, SOURCE);
        drop(body);
        let known = onboard::KnownEmoji::with_custom(Box::new(|| {
            onboard::custom_of(self.slack(), &self.tokens().bots())
        }));
        let plan = match value.and_then(|value| {
            onboard::prepare_value(
                &value,
                SOURCE,
                &onboard::PictureSources::remote_only(),
                &known,
            )
        }) {
            Ok(plan) => plan,
            Err(err) => {
                return match crate::exit::find::<onboard::Problems>(&err) {
                    Some(problems) => Answer::json(
                        422,
                        &serde_json::json!({"ok": false, "problems": problems.0}),
                    ),
                    None => Answer::json(
                        400,
                        &serde_json::json!({"ok": false, "error": crate::redact::error(&err)}),
                    ),
                }
            }
        };
        match onboard::execute(self.store(), &plan, options, crate::clock::unix_now()) {
            Ok(report) => {
                if !options.dry_run {
                    self.pipeline.presets_saved(&[]);
                    log::info!(
                        "POST /onboard: {} member{} onboarded",
                        report.users,
                        if report.users == 1 { "" } else { "s" }
                    );
                }
                let mut value = serde_json::to_value(&report).expect("reports serialize");
                value["ok"] = true.into();
                Answer::json(200, &value)
            }
            Err(err) => {
                log::error!("POST /onboard failed: {err:#}");
                Answer::json(
                    500,
                    &serde_json::json!({"ok": false, "error": crate::redact::error(&err)}),
                )
            }
        }
    }

    fn authorized(&self, admin: &SecretString, authorization: Option<&str>) -> bool {
        let given = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compare even when nothing was given, so the answer takes the same time.
        admin.matches(given) && !given.is_empty()
    }
}
