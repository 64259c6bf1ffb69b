//! How Slack's requests reach serve: the Request URL over HTTP (signed), or Socket Mode
//! connections serve opens itself. Both hand what came to the one inbox.

pub mod connections;
pub mod http;
pub mod socket;
