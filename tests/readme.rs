//! The README's table of contents lists every section, so a new section cannot go missing from
//! it.

#[test]
fn the_contents_list_every_section() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let contents = readme
        .split("## Contents\n")
        .nth(1)
        .expect("a Contents section")
        .split("\n## ")
        .next()
        .unwrap();
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let heading = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "));
        match heading {
            Some(title) if !in_code && title != "Contents" => assert!(
                contents.contains(&format!("[{title}](#")),
                "the README's Contents lack {title:?}"
            ),
            _ => {}
        }
    }
}
