//! Profile photos: `users.setPhoto` (multipart, PNG/JPEG/GIF of 512–1024 px),
//! `users.deletePhoto`, a member's own photo served at the stand-in's own URL.

use super::*;

impl SlackStandIn {
    /// The member changes their photo in Slack themselves.
    pub fn set_photo_by_hand(&self, id: &str, bytes: Vec<u8>) {
        let mut state = self.state.lock().unwrap();
        set_member_photo(&mut state, id, bytes);
    }
}

/// `users.setPhoto`.
pub(super) fn users_set_photo(asked: Asked<'_>) -> Answer {
    let Asked {
        st,
        call,
        info,
        owner,
        content_type,
        body,
        ..
    } = asked;
    if let Some(refused) = refused_member_write(call, &info) {
        return refused;
    }
    if let Some(code) = st.locked.get(&(owner.clone(), "photo")) {
        return error(&code.clone());
    }
    let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned())
    else {
        return error("invalid_form_data");
    };
    let parts = multipart_parts(body, &boundary);
    let Some((bytes, part_type)) = parts.get("image").cloned() else {
        return error("invalid_form_data");
    };
    call.image = Some((bytes.clone(), part_type));
    match imagesize::image_type(&bytes) {
        Ok(imagesize::ImageType::Png | imagesize::ImageType::Jpeg | imagesize::ImageType::Gif) => {}
        _ => return error("bad_image"),
    }
    let Ok(size) = imagesize::blob_size(&bytes) else {
        return error("bad_image");
    };
    if size.width > 1024 || size.height > 1024 {
        return error("too_large");
    }
    if size.width < 512 || size.height < 512 {
        return error("bad_image");
    }
    set_member_photo(st, &owner, bytes);
    (200, None, json!({"ok": true}), Some(owner))
}

/// `users.deletePhoto`.
pub(super) fn users_delete_photo(asked: Asked<'_>) -> Answer {
    let Asked {
        st, info, owner, ..
    } = asked;
    if info.kind != Kind::User {
        return error("not_allowed_token_type");
    }
    let member = st.members.get_mut(&owner).unwrap();
    member.photo = None;
    member.profile["avatar_hash"] = format!("g{:010x}", fastrand::u64(..) & 0xff_ffff_ffff).into();
    member.profile["is_custom_image"] = false.into();
    for size in ["image_original", "image_1024"] {
        member.profile[size] = Value::Null;
    }
    member.profile["image_512"] = "https://secure.gravatar.com/avatar/0.jpg?s=512".into();
    (200, None, json!({"ok": true}), Some(owner))
}

/// A member's photo changes: the bytes, a new `avatar_hash`, and its URLs on the stand-in.
pub(super) fn set_member_photo(st: &mut State, id: &str, bytes: Vec<u8>) {
    let hash = format!("{:011x}", fastrand::u64(..) & 0xfff_ffff_ffff);
    let url = format!("{}/avatars/{id}/{hash}.img", st.base);
    let member = st.members.get_mut(id).unwrap();
    member.photo = Some(bytes);
    member.profile["avatar_hash"] = hash.into();
    member.profile["is_custom_image"] = true.into();
    for size in ["image_original", "image_1024", "image_512"] {
        member.profile[size] = url.clone().into();
    }
}

/// `GET /avatars/<id>/<hash>.img`: the member's photo, while it is the current one.
pub(super) fn avatar(st: &State, path: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut parts = path.trim_start_matches("/avatars/").split('/');
    let (Some(id), Some(file)) = (parts.next(), parts.next()) else {
        return html(404, "no".into());
    };
    let hash = file.trim_end_matches(".img");
    match st.members.get(id) {
        Some(member)
            if member.profile["avatar_hash"].as_str() == Some(hash) && member.photo.is_some() =>
        {
            tiny_http::Response::from_data(member.photo.clone().unwrap())
        }
        _ => html(404, "<h1>no such photo</h1>".into()),
    }
}

/// The parts of a multipart body by name: bytes and content type.
pub(super) fn multipart_parts(body: &[u8], boundary: &str) -> HashMap<String, (Vec<u8>, String)> {
    let delimiter = format!("--{boundary}");
    let mut parts = HashMap::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, delimiter.as_bytes()) else {
            break;
        };
        let part = &rest[..end];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(split) = find(part, b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&part[..split]).to_string();
            let data = part[split + 4..].to_vec();
            let mut name = None;
            let mut ctype = String::new();
            for line in headers.lines() {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("content-disposition:") {
                    name = line
                        .split(';')
                        .find_map(|p| p.trim().strip_prefix("name="))
                        .map(|n| n.trim_matches('"').to_owned());
                } else if let Some(v) = lower.strip_prefix("content-type:") {
                    ctype = v.trim().to_owned();
                }
            }
            if let Some(name) = name {
                parts.insert(name, (data, ctype));
            }
        }
    }
    parts
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
