//! One version number, Cargo.toml's `[workspace.package] version`, everywhere it is written.
//! Each place a package or binding declares a version is read here and must agree; a binding
//! that gains a version file (a `pom.xml`, say) adds one line to `declared_versions`.
//! The built packages are checked by `make test-dist` (the tarball's name, `sts.pc`,
//! `stsConfigVersion.cmake` and the library's `sts_version()` as a user sees them).

use std::ffi::CStr;
use std::path::Path;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `key = "value"` in `[section]` of a TOML file (enough for the flat tables read here).
fn toml_string(text: &str, section: &str, key: &str) -> Option<String> {
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == format!("[{section}]");
        } else if in_section {
            if let Some(rest) = line.strip_prefix(key).map(str::trim_start).and_then(|r| r.strip_prefix('=')) {
                return Some(rest.trim().trim_matches('"').to_string());
            }
        }
    }
    None
}

/// `NAME = "value"` or `NAME="value",` on a line of its own (Python assignments and keyword
/// arguments).
fn assigned_string(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(name)?.trim_start().strip_prefix('=')?.trim();
        Some(rest.trim_end_matches(',').trim_matches(|c| c == '"' || c == '\'').to_string())
    })
}

fn json_version(path: &str, pointer: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    value.pointer(pointer)?.as_str().map(str::to_string)
}

fn exists(path: &str) -> bool {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path).exists()
}

/// (where, the version it declares). A file that declares none is a failure, not a skip.
fn declared_versions() -> Vec<(String, Option<String>)> {
    let emulator = read("emulator/Cargo.toml");
    let emulator_version = match toml_string(&emulator, "package", "version.workspace") {
        Some(inherits) if inherits == "true" => Some(VERSION.to_string()),
        _ => toml_string(&emulator, "package", "version"),
    };
    let mut versions = vec![
        ("emulator/Cargo.toml".to_string(), emulator_version),
        (
            "bindings/python/pyproject.toml [project]".to_string(),
            toml_string(&read("bindings/python/pyproject.toml"), "project", "version"),
        ),
        (
            "bindings/python/src/libsts/__init__.py __version__".to_string(),
            assigned_string(&read("bindings/python/src/libsts/__init__.py"), "__version__"),
        ),
        ("bindings/node/package.json".to_string(), json_version("bindings/node/package.json", "/version")),
        ("bindings/node/package-lock.json".to_string(), json_version("bindings/node/package-lock.json", "/version")),
        (
            "bindings/node/package-lock.json packages[\"\"]".to_string(),
            json_version("bindings/node/package-lock.json", "/packages//version"),
        ),
        (
            "bindings/go/version.go const Version".to_string(),
            assigned_string(&read("bindings/go/version.go"), "const Version"),
        ),
    ];
    // setup.py normally takes the version from pyproject.toml; if it ever names one, it must agree.
    if let Some(v) = assigned_string(&read("bindings/python/setup.py"), "version") {
        versions.push(("bindings/python/setup.py version=".to_string(), Some(v)));
    }
    // Java declares a version once it is a Maven project.
    if exists("bindings/java/pom.xml") {
        let pom = read("bindings/java/pom.xml");
        // The project's own <version> is the first one after </parent> (or the first at all).
        let body = pom.split_once("</parent>").map_or(pom.as_str(), |(_, rest)| rest);
        let version = body.split_once("<version>").and_then(|(_, rest)| rest.split_once("</version>")).map(|(v, _)| v);
        versions.push(("bindings/java/pom.xml".to_string(), version.map(|v| v.trim().to_string())));
    }
    versions
}

#[test]
fn every_package_declares_the_cargo_version() {
    let wrong: Vec<String> = declared_versions()
        .into_iter()
        .filter(|(_, v)| v.as_deref() != Some(VERSION))
        .map(|(place, v)| format!("{place}: {}", v.as_deref().unwrap_or("no version found")))
        .collect();
    assert!(wrong.is_empty(), "not the Cargo.toml version {VERSION}:\n{}", wrong.join("\n"));
}

#[test]
fn sts_version_is_the_cargo_version() {
    // SAFETY: sts_version returns a pointer to a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(sts::ffi::sts_version()) };
    assert_eq!(version.to_str(), Ok(VERSION));
}

#[test]
fn committed_header_macros_are_the_cargo_version() {
    let header = read("include/sts.h");
    for (part, value) in ["MAJOR", "MINOR", "PATCH"].iter().zip(VERSION.split('.')) {
        let line = format!("#define STS_VERSION_{part} {value}");
        assert!(
            header.lines().any(|l| l == line),
            "include/sts.h lacks `{line}`: update cbindgen.toml, run `make header`"
        );
    }
}

/// The Makefile takes VERSION from the first `version = "..."` line of Cargo.toml (sed); that
/// line must be the workspace version, or every package name and sts.pc would carry another.
#[test]
fn makefile_reads_the_workspace_version() {
    let cargo = read("Cargo.toml");
    let first = cargo.lines().find_map(|l| l.strip_prefix("version = \"").and_then(|r| r.strip_suffix('"')));
    assert_eq!(first, Some(VERSION), "the first `version = ` line of Cargo.toml");
    assert_eq!(toml_string(&cargo, "workspace.package", "version").as_deref(), Some(VERSION));
    assert_eq!(toml_string(&cargo, "package", "version.workspace").as_deref(), Some("true"));
}

/// The package templates take the version from the Makefile, never a literal of their own.
#[test]
fn package_templates_are_stamped_not_hard_coded() {
    for path in ["sts.pc.in", "packaging/c/stsConfig.cmake.in", "packaging/c/stsConfigVersion.cmake.in"] {
        let text = read(path);
        assert!(text.contains("@VERSION@"), "{path} does not use @VERSION@");
        assert!(!text.contains(VERSION), "{path} hard-codes {VERSION}");
    }
}

#[test]
fn readers_read_what_the_files_hold() {
    let text = "[a]\nversion = \"1\"\n[b]\nversion = \"2\"\nversion.workspace = true\n";
    assert_eq!(toml_string(text, "a", "version").as_deref(), Some("1"));
    assert_eq!(toml_string(text, "b", "version").as_deref(), Some("2"));
    assert_eq!(toml_string(text, "b", "version.workspace").as_deref(), Some("true"));
    assert_eq!(toml_string(text, "c", "version"), None);
    assert_eq!(assigned_string("setup(\n    version=\"3\",\n)", "version").as_deref(), Some("3"));
    assert_eq!(assigned_string("__version__ = '4'", "__version__").as_deref(), Some("4"));
    assert_eq!(assigned_string("version_file = 'x'", "version"), None);
}
