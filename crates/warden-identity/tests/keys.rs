//! Root key files: creation, permissions, rotation, retirement, reopening.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use warden_identity::{IdentityError, KeyRing, KeyState};

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn first_start_creates_an_active_key_with_a_private_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("identity");
    let ring = KeyRing::open_or_create(&dir).unwrap();
    assert_eq!(ring.active_kid(), 1);
    assert_eq!(ring.keys().len(), 1);
    assert_eq!(ring.keys()[0].state, KeyState::Active);
    assert_eq!(ring.keys()[0].public_key.len(), 64);
    assert_eq!(mode(&dir.join("root-1.key")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("keyring.json")).unwrap()).unwrap();
    assert_eq!(json["keys"][0]["kid"], 1);
    assert_eq!(json["keys"][0]["state"], "active");
    // No temporary files are left behind.
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // Reopening yields the same key.
    let again = KeyRing::open_or_create(&dir).unwrap();
    assert_eq!(again.keys(), ring.keys());
    assert_eq!(
        again.public_key(1).unwrap().to_bytes(),
        ring.public_key(1).unwrap().to_bytes()
    );
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("identity");
    let ring = KeyRing::open_or_create(&dir).unwrap();
    let secret = fs::read_to_string(dir.join("root-1.key")).unwrap();
    let secret = secret.trim();
    assert_eq!(secret.len(), 64);
    let debug = format!("{ring:?} {:?}", ring.signer());
    assert!(!debug.contains(secret), "{debug}");
    assert!(debug.contains("redacted"));
}

#[test]
fn group_or_world_readable_key_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("identity");
    KeyRing::open_or_create(&dir).unwrap();
    let key = dir.join("root-1.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = KeyRing::open_or_create(&dir).unwrap_err();
    assert!(matches!(
        err,
        IdentityError::InsecurePermissions { mode: 0o644, .. }
    ));
    let text = err.to_string();
    assert!(text.contains("chmod 600"), "{text}");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o640)).unwrap();
    assert!(KeyRing::open_or_create(&dir).is_err());
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(KeyRing::open_or_create(&dir).is_ok());
}

#[test]
fn rotate_and_retire() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("identity");
    let mut ring = KeyRing::open_or_create(&dir).unwrap();
    assert_eq!(ring.rotate().unwrap(), 2);
    assert_eq!(ring.rotate().unwrap(), 3);
    assert_eq!(ring.active_kid(), 3);
    let states: Vec<KeyState> = ring.keys().iter().map(|k| k.state).collect();
    assert_eq!(
        states,
        [KeyState::VerifyOnly, KeyState::VerifyOnly, KeyState::Active]
    );
    assert!(ring.public_key(1).is_some());
    // The active key cannot be retired; unknown keys are reported.
    assert!(matches!(
        ring.retire(3),
        Err(IdentityError::KeyState { kid: 3, .. })
    ));
    assert!(matches!(
        ring.retire(9),
        Err(IdentityError::NoSuchKey { kid: 9 })
    ));
    ring.retire(1).unwrap();
    assert!(matches!(
        ring.retire(1),
        Err(IdentityError::KeyState { kid: 1, .. })
    ));
    assert!(ring.public_key(1).is_none());
    assert!(!dir.join("root-1.key").exists());
    assert_eq!(mode(&dir.join("root-3.key")), 0o600);
    // The state survives a restart.
    let again = KeyRing::open_or_create(&dir).unwrap();
    assert_eq!(again.active_kid(), 3);
    assert_eq!(again.keys(), ring.keys());
    assert_eq!(again.keys()[0].state, KeyState::Retired);
}

#[test]
fn inconsistent_key_rings_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("identity");
    let mut ring = KeyRing::open_or_create(&dir).unwrap();
    ring.rotate().unwrap();
    let json_path = dir.join("keyring.json");
    let original = fs::read_to_string(&json_path).unwrap();
    // Two active keys.
    fs::write(&json_path, original.replace("verify_only", "active")).unwrap();
    assert!(matches!(
        KeyRing::open_or_create(&dir),
        Err(IdentityError::CorruptKeyRing { .. })
    ));
    // Garbage.
    fs::write(&json_path, "{ not json").unwrap();
    assert!(matches!(
        KeyRing::open_or_create(&dir),
        Err(IdentityError::CorruptKeyRing { .. })
    ));
    // The active secret swapped for another key's.
    fs::write(&json_path, &original).unwrap();
    fs::copy(dir.join("root-1.key"), dir.join("root-2.key")).unwrap();
    let err = KeyRing::open_or_create(&dir).unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
    // Missing secret.
    fs::remove_file(dir.join("root-2.key")).unwrap();
    assert!(matches!(
        KeyRing::open_or_create(&dir),
        Err(IdentityError::Io { .. })
    ));
}
