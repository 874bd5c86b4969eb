//! Several writers on one atlas file: a write waits for another writer's lock (up to the busy
//! timeout) instead of failing, and gives up with a German message when the wait is too long.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use quartier_core::{Atlas, Error};

#[test]
fn a_writer_waits_for_another_and_gives_up_after_the_timeout_in_german() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zwei.quartier");
    let mut first = Atlas::create(&path, "Zwei", None).unwrap();
    let second = Atlas::open(&path).unwrap();
    second.set_busy_timeout(Duration::from_millis(200)).unwrap();
    let mut second = second;

    // While the first holds the write lock (a dry run takes it at once), the second waits
    // its 200 ms and then gives up: a user error (exit code 1), in German, nothing written.
    first
        .trial(|a| {
            a.create_level("Bezirk", None)?;
            let started = Instant::now();
            let err = second.create_level("Ortsteil", None).unwrap_err();
            assert!(started.elapsed() >= Duration::from_millis(150), "it waited");
            assert!(matches!(err, Error::Busy), "{err:?}");
            assert!(err.is_user_error());
            assert!(
                err.to_string().contains("von einem anderen Vorgang beschrieben"),
                "{err}"
            );
            assert!(err.to_string().contains("nichts geändert"), "{err}");
            Ok(())
        })
        .unwrap();
    assert!(
        second.levels().unwrap().is_empty(),
        "neither dry run nor refused write left a level"
    );

    // A lock held shorter than the timeout is simply waited for.
    second.set_busy_timeout(Duration::from_secs(10)).unwrap();
    let holder = std::thread::spawn(move || {
        let mut third = Atlas::open(&path).unwrap();
        third
            .trial(|_| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            })
            .unwrap();
    });
    std::thread::sleep(Duration::from_millis(50));
    second.create_level("Ortsteil", None).unwrap();
    holder.join().unwrap();
    let names: Vec<String> = second.levels().unwrap().into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["Ortsteil"]);
}
