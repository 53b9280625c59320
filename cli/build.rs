//! Puts the front ends (`web/`) in the binary: `guichet serve` answers them from memory, the same
//! files that are deployed as static files on AWS.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("../web");
    println!("cargo:rerun-if-changed={}", web.display());
    let mut files = Vec::new();
    walk(&web, &web, &mut files);
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (path, file) in files {
        println!("cargo:rerun-if-changed={}", file.display());
        out.push_str(&format!(
            "    ({path:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("web_files.rs");
    std::fs::write(dest, out).expect("writing the list of web files");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            walk(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            // Licences and notes about the vendored files are for people, not for browsers.
            let file_name = name.rsplit('/').next().unwrap_or_default();
            if !name.ends_with(".md") && !file_name.starts_with("LICENSE") {
                files.push((format!("/{name}"), path.canonicalize().unwrap_or(path)));
            }
        }
    }
}
