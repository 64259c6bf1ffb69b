//! A member's lifecycle beyond their presets: disconnecting (durable, finished by any process),
//! being deactivated by Slack (noted, then forgotten after the retention period), being
//! forgotten (everything kept about them deleted, their usual profile back first), and what is
//! kept about them, said in plain words.

pub mod deactivated;
pub mod disconnect;
pub mod forget;
pub mod kept;
