//! Config files and environments, good and bad, with the messages users see.

use std::collections::HashMap;

use secrecy::ExposeSecret;

use super::*;

const GOOD: &str = r#"
[connections.workiva-emea]
kind = "workiva"
base_url = "https://api.eu.wdesk.com"
client_id = "emea-automation"
client_secret_env = "WORKIVA_EMEA_SECRET"
requests_per_second = 5

[connections.wf-prod]
kind = "workfront"
base_url = "https://acme.my.workfront.com"
api_version = "19.0"
ims_client_id = "abc"
ims_client_secret_env = "WF_IMS_SECRET"
default_access_level = "Standard"
concurrency = 4

[connections.scim-eu]
kind = "workiva-scim"
base_url = "https://api.eu.wdesk.com/scim/v2"
token_file = "/run/secrets/scim"
"#;

fn parse_err(text: &str) -> String {
    Connections::from_toml(text, "conf/identity.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn a_good_file_gives_every_connection_in_order() {
    let all = Connections::from_toml(GOOD, "identity.toml").unwrap();
    assert_eq!(all.names(), ["workiva-emea", "wf-prod", "scim-eu"]);
    let wf = all.get("wf-prod").unwrap();
    assert_eq!(wf.kind(), Kind::Workfront);
    assert_eq!(wf.concurrency, Some(4));
    match &wf.settings {
        Settings::Workfront {
            api_version,
            login: WorkfrontLogin::Ims { client_secret, .. },
            default_access_level,
            ..
        } => {
            assert_eq!(api_version.as_deref(), Some("19.0"));
            assert_eq!(client_secret, &SecretRef::Env("WF_IMS_SECRET".into()));
            assert_eq!(default_access_level.as_deref(), Some("Standard"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        all.get("scim-eu").unwrap().settings,
        Settings::WorkivaScim {
            token: SecretRef::File("/run/secrets/scim".into())
        }
    );
    assert_eq!(
        all.get("workiva-emea").unwrap().requests_per_second,
        Some(5.0)
    );
}

#[test]
fn an_inline_secret_is_refused_naming_file_connection_and_key() {
    let text = GOOD.replace(
        "client_secret_env = \"WORKIVA_EMEA_SECRET\"",
        "client_secret = \"hunter2-canary\"",
    );
    let err = parse_err(&text);
    assert!(
        err.contains("conf/identity.toml: connection workiva-emea: client_secret:"),
        "{err}"
    );
    assert!(err.contains("client_secret_env"), "{err}");
    assert!(!err.contains("hunter2-canary"), "the secret leaked: {err}");
}

#[test]
fn unknown_kinds_keys_and_missing_keys_are_named() {
    let err = parse_err("[connections.x]\nkind = \"okta\"\nbase_url = \"https://x\"\n");
    assert!(
        err.contains("connection x: kind: unknown kind \"okta\""),
        "{err}"
    );
    let err = parse_err(
        "[connections.x]\nkind = \"workiva-scim\"\nbase_url = \"https://x\"\ntoken_env = \"T\"\ncolour = \"red\"\n",
    );
    assert!(err.contains("connection x: colour: unknown key"), "{err}");
    let err = parse_err("[connections.x]\nkind = \"workiva-scim\"\nbase_url = \"https://x\"\n");
    assert!(err.contains("connection x: token: is required"), "{err}");
    let err = parse_err("[connections.x]\nkind = \"workfront\"\nbase_url = \"https://x\"\n");
    assert!(err.contains("needs one login"), "{err}");
    let err = parse_err("[connections.x]\nbase_url = \"https://x\"\n");
    assert!(err.contains("connection x: kind: is required"), "{err}");
    let err = parse_err("[connection.x]\nkind = \"workiva\"\n");
    assert!(
        err.contains("unknown top-level key \"connection\""),
        "{err}"
    );
    assert!(parse_err("[connections.x\n").contains("not valid TOML"));
}

#[test]
fn a_name_defined_twice_is_an_error() {
    let vars: HashMap<&str, &str> = [
        ("WORKIVA_CLIENT_ID", "id"),
        ("WORKIVA_CLIENT_SECRET", "secret"),
    ]
    .into();
    let mut all = Connections::from_vars(|k| vars.get(k).map(|v| (*v).to_owned())).unwrap();
    let file = Connections::from_toml(
        "[connections.workiva]\nkind = \"workiva\"\nclient_id = \"a\"\nclient_secret_env = \"B\"\n",
        "identity.toml",
    )
    .unwrap();
    let err = all.extend(file).unwrap_err().to_string();
    assert!(
        err.contains(
            "connection workiva is defined twice: in the environment and in identity.toml"
        ),
        "{err}"
    );
}

fn env(pairs: &[(&str, &str)]) -> Result<Connections> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Connections::from_vars(|k| vars.get(k).cloned())
}

#[test]
fn the_environment_gives_the_default_connections() {
    assert!(env(&[]).unwrap().is_empty());
    let all = env(&[
        ("WORKIVA_CLIENT_ID", "id"),
        ("WORKIVA_CLIENT_SECRET", "s"),
        ("WORKIVA_SCIM_TOKEN", "t"),
        ("WORKFRONT_BASE_URL", "https://acme.my.workfront.com"),
        ("WORKFRONT_API_KEY", "k"),
        ("IDENTITY_CA_FILE", "/etc/corp-ca.pem"),
    ])
    .unwrap();
    assert_eq!(all.names(), ["workiva", "workiva-scim", "workfront"]);
    let wf = all.get("workfront").unwrap();
    assert!(matches!(
        &wf.settings,
        Settings::Workfront {
            login: WorkfrontLogin::ApiKey(SecretRef::Env(name)),
            ..
        } if name == "WORKFRONT_API_KEY"
    ));
    assert_eq!(wf.ca_file.as_deref(), Some(Path::new("/etc/corp-ca.pem")));
}

#[test]
fn a_partly_configured_environment_is_an_error_naming_what_is_missing() {
    for (vars, missing) in [
        (vec![("WORKIVA_CLIENT_ID", "id")], "WORKIVA_CLIENT_SECRET"),
        (vec![("WORKIVA_CLIENT_SECRET", "s")], "WORKIVA_CLIENT_ID"),
        (vec![("WORKIVA_BASE_URL", "https://x")], "WORKIVA_CLIENT_ID"),
        (
            vec![("WORKIVA_SCIM_URL", "https://x")],
            "WORKIVA_SCIM_TOKEN",
        ),
        (
            vec![("WORKFRONT_BASE_URL", "https://x")],
            "WORKFRONT_USERNAME + WORKFRONT_PASSWORD",
        ),
        (vec![("WORKFRONT_API_KEY", "k")], "WORKFRONT_BASE_URL"),
        (
            vec![
                ("WORKFRONT_BASE_URL", "https://x"),
                ("WORKFRONT_USERNAME", "u"),
            ],
            "WORKFRONT_PASSWORD",
        ),
    ] {
        let err = env(&vars).unwrap_err().to_string();
        assert!(err.contains(missing), "{vars:?}: {err}");
        assert!(err.contains("only in part"), "{err}");
    }
}

#[test]
fn secrets_resolve_from_files_and_name_what_is_missing() {
    let dir = std::env::temp_dir().join(format!("identity-conn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, "s3cret\n").unwrap();
    let secret = SecretRef::File(file).resolve().unwrap();
    assert_eq!(secret.expose_secret(), "s3cret");
    let err = SecretRef::File(dir.join("absent")).resolve().unwrap_err();
    assert!(err.to_string().contains("absent"), "{err}");
    let err = SecretRef::Env("IDENTITY_TEST_SURELY_UNSET".into())
        .resolve()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("IDENTITY_TEST_SURELY_UNSET is not set"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_connections_ca_file_and_rate_limit_reach_the_client_settings() {
    let all = env(&[
        ("WORKIVA_CLIENT_ID", "id"),
        ("WORKIVA_CLIENT_SECRET", "s"),
        ("IDENTITY_CA_FILE", "/etc/corp-ca.pem"),
    ])
    .unwrap();
    let settings = all
        .get("workiva")
        .unwrap()
        .apply_settings(crate::ClientSettings::default());
    assert_eq!(
        settings.root_certificate_files,
        [PathBuf::from("/etc/corp-ca.pem")]
    );
    assert!(settings.limiter.is_none());
    let file = Connections::from_toml(GOOD, "identity.toml").unwrap();
    let limited = file
        .get("workiva-emea")
        .unwrap()
        .apply_settings(crate::ClientSettings::default());
    assert!(limited.limiter.is_some());
}

#[test]
fn one_kinds_environment_ignores_another_kinds_partial_configuration() {
    let vars: HashMap<&str, &str> = [
        ("WORKIVA_CLIENT_ID", "id"),
        ("WORKIVA_CLIENT_SECRET", "s"),
        ("WORKFRONT_USERNAME", "left-over"),
    ]
    .into();
    let var = |k: &str| vars.get(k).map(|v| (*v).to_owned());
    let workiva = Connection::from_vars(Kind::Workiva, &var).unwrap().unwrap();
    assert_eq!(workiva.name, "workiva");
    assert!(Connection::from_vars(Kind::Workfront, &var).is_err());
    assert!(
        Connections::from_vars(var).is_err(),
        "the whole set still refuses it"
    );
}
