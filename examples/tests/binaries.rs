//! Each binary starts, answers `--version` and `--help`, and rejects an
//! unknown flag with exit 2. (Having this test also makes cargo build the
//! binaries that the end-to-end tests in the `tests` package run.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const BINARIES: [&str; 5] = [
    env!("CARGO_BIN_EXE_provision"),
    env!("CARGO_BIN_EXE_deprovision"),
    env!("CARGO_BIN_EXE_bulk-deactivate"),
    env!("CARGO_BIN_EXE_access-report"),
    env!("CARGO_BIN_EXE_sandbox"),
];

#[test]
fn version_help_and_unknown_flags() {
    for bin in BINARIES {
        let version = Command::new(bin).arg("--version").output().unwrap();
        assert!(
            String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")),
            "{bin}"
        );
        let help = Command::new(bin).arg("--help").output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(help.status.success() && text.contains("Usage:"), "{bin}");
        let bogus = Command::new(bin).arg("--no-such-flag").output().unwrap();
        assert_eq!(bogus.status.code(), Some(2), "{bin}");
    }
}
