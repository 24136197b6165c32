//! The conformance suite against the in-memory directory.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use identity_core::conformance;
use identity_core::memory::InMemoryDirectory;

#[tokio::test]
async fn in_memory_directory_passes_the_suite() {
    let dir = InMemoryDirectory::new()
        .with_page_size(2)
        .with_roles(&["Auditor", "Admin"]);
    conformance::run_all(&dir).await;
    conformance::roles_are_added_and_removed(&dir, "Auditor", "Admin").await;
}
