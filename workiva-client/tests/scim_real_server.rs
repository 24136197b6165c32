//! The SCIM client and the conformance suite against a SCIM server no one
//! here wrote: `scim2-server` from PyPI, which `.ci/run` installs into
//! `.venv`. Set `SCIM2_SERVER` to use another path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::TryStreamExt;
use identity_core::{
    GroupDirectory, MembershipChange, NewUser, UserDirectory, conformance, ensure_user,
};
use workiva_client::scim::ScimClient;

const TOKEN: &str = "real-server-token";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SCIM2_SERVER") {
        return Some(PathBuf::from(path));
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/scim2-server");
    local.exists().then_some(local)
}

async fn start() -> Option<Server> {
    let Some(bin) = binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "scim2-server is not installed; .ci/run installs it into .venv"
        );
        eprintln!("skipping: scim2-server not installed (bash .ci/run installs it)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args([
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--bearer-token",
            TOKEN,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start scim2-server");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}/v2"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("scim2-server did not start listening on {port}");
}

fn client(server: &Server) -> ScimClient {
    ScimClient::builder()
        .base_url(&server.base)
        .token(TOKEN.to_string().into())
        .page_size(7)
        .build()
        .unwrap()
}

#[tokio::test]
async fn conformance_suite_passes_against_scim2_server() {
    let Some(server) = start().await else { return };
    conformance::run_all(&client(&server)).await;
}

#[tokio::test]
async fn create_find_deactivate_and_membership_flows() {
    let Some(server) = start().await else { return };
    let scim = client(&server);
    let config = scim.service_provider_config().await.unwrap();
    assert!(config.patch.supported && config.filter.supported);

    let jane = NewUser::builder("Jane.Doe@Example.com")
        .first_name("Jane")
        .last_name("Doe")
        .build()
        .unwrap();
    let created = ensure_user(&scim, &jane).await.unwrap();
    assert!(created.was_created());
    let again = ensure_user(&scim, &jane).await.unwrap();
    assert!(!again.was_created(), "second run finds the user");
    let found = scim
        .find_user_by_email("jane.doe@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, created.user().id);

    // The real server answers PATCH with 204 and no body: the client reads back.
    let off = scim.set_active(&found.id, false).await.unwrap();
    assert!(!off.active);
    assert!(!scim.get_user(&found.id).await.unwrap().active);

    let group = scim.create_group("Auditors").await.unwrap();
    assert_eq!(
        scim.add_member(&group.id, &found.id).await.unwrap(),
        MembershipChange::Added
    );
    assert_eq!(
        scim.add_member(&group.id, &found.id).await.unwrap(),
        MembershipChange::AlreadyMember
    );
    let members: Vec<_> = scim.list_members(&group.id).try_collect().await.unwrap();
    assert_eq!(members, vec![found.id.clone()]);
    assert_eq!(
        scim.remove_member(&group.id, &found.id).await.unwrap(),
        MembershipChange::Removed
    );
    let members: Vec<_> = scim.list_members(&group.id).try_collect().await.unwrap();
    assert!(members.is_empty());

    let conflict = scim.create_user(&jane).await.unwrap_err();
    assert_eq!(
        conflict.kind(),
        identity_core::ErrorKind::Conflict,
        "uniqueness → conflict"
    );
}
