//! The atlas file's schema and its forward-only migrations.
//!
//! `PRAGMA user_version` holds the schema version; `PRAGMA application_id` marks the
//! file as a Quartier atlas. Each entry of [`MIGRATIONS`] takes a file from version
//! `i` to `i + 1`; files of every earlier version are opened by running the rest.

/// `PRAGMA application_id` of every atlas: "QRTR".
pub const APPLICATION_ID: i64 = 0x5152_5452;

/// Migration `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // Version 1: the core data model.
    r#"
    CREATE TABLE atlas_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE spatial_level (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        parent_level_id INTEGER REFERENCES spatial_level(id),
        sort_order INTEGER NOT NULL DEFAULT 0,
        internal INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE area (
        id INTEGER PRIMARY KEY,
        level_id INTEGER NOT NULL REFERENCES spatial_level(id),
        key TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        parent_area_id INTEGER REFERENCES area(id),
        geometry BLOB,
        area_m2 REAL,
        min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL,
        UNIQUE (level_id, key)
    );
    CREATE TABLE topic (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        parent_id INTEGER REFERENCES topic(id),
        UNIQUE (name, parent_id)
    );
    CREATE TABLE indicator (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        topic TEXT NOT NULL DEFAULT '',
        unit TEXT NOT NULL DEFAULT '',
        decimals INTEGER NOT NULL DEFAULT 1,
        kind TEXT NOT NULL DEFAULT 'unspecified',
        numerator TEXT,
        denominator TEXT,
        aggregation TEXT NOT NULL DEFAULT '',
        polarity TEXT NOT NULL DEFAULT 'neutral',
        description TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE period (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL UNIQUE,
        date TEXT
    );
    CREATE TABLE value (
        indicator_id INTEGER NOT NULL REFERENCES indicator(id),
        period_id INTEGER NOT NULL REFERENCES period(id),
        area_id INTEGER NOT NULL REFERENCES area(id),
        value REAL,
        text_value TEXT,
        status INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        PRIMARY KEY (indicator_id, period_id, area_id)
    ) WITHOUT ROWID;
    CREATE TABLE poi_category (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE poi (
        id INTEGER PRIMARY KEY,
        category_id INTEGER NOT NULL REFERENCES poi_category(id),
        name TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        capacity REAL,
        attributes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX poi_by_category ON poi(category_id);
    "#,
    // Version 2: provenance and publication flags; values stored as one row per series
    // (indicator × period × level, see `series.rs`) with its counts, so that imports of
    // millions of values and `info` stay fast. The v1 `value` rows are converted in Rust
    // (`store::convert_value_rows`) right after this script.
    r#"
    CREATE TABLE derived_run (
        id INTEGER PRIMARY KEY,
        indicator_id INTEGER REFERENCES indicator(id),
        method TEXT NOT NULL,
        parameters TEXT NOT NULL DEFAULT '{}',
        inputs TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    ALTER TABLE indicator ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE indicator ADD COLUMN suppression_threshold INTEGER;
    ALTER TABLE poi_category ADD COLUMN public INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE value_series (
        id INTEGER PRIMARY KEY,
        indicator_id INTEGER NOT NULL REFERENCES indicator(id),
        period_id INTEGER NOT NULL REFERENCES period(id),
        level_id INTEGER NOT NULL REFERENCES spatial_level(id),
        values_ok INTEGER NOT NULL,
        values_total INTEGER NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (indicator_id, period_id, level_id)
    );
    CREATE INDEX area_by_parent ON area(parent_area_id);
    "#,
    // Version 3: address points with residents (internal only, never published) and the
    // street network for distances.
    r#"
    CREATE TABLE address_point (
        id INTEGER PRIMARY KEY,
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        residents REAL NOT NULL,
        groups TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE network_line (
        id INTEGER PRIMARY KEY,
        geometry BLOB NOT NULL,
        attributes TEXT NOT NULL DEFAULT '{}'
    );
    "#,
    // Version 4: the list of a level's areas (key order, names, parents) from an index alone,
    // without touching the rows that carry the geometry: reading a level of 20,000 areas
    // took 6.6 ms through the table and is the largest part of an analysis' first run.
    r#"
    CREATE INDEX area_list ON area(level_id, key, name, parent_area_id);
    "#,
    // Version 5: official reference values (the published total of the municipality for a
    // level, period and indicator, e.g. from a table's total row), and value series may carry
    // the signs of official statistics ("–", "( )", "p", "r", "s") as a third kind of extra; earlier builds would call such a series damaged, so
    // the version says the file needs this build. No table changes. Values that earlier
    // builds imported from "–" as missing stay missing (their note keeps the "–"): whether the
    // source meant zero cannot be known afterwards; importing the file again decides it.
    r#"
    CREATE TABLE IF NOT EXISTS schema_note (version INTEGER PRIMARY KEY, note TEXT NOT NULL);
    INSERT OR REPLACE INTO schema_note VALUES (5, 'Zeichen der amtlichen Statistik; amtliche Referenzwerte');
    CREATE TABLE official_reference (
        indicator_id INTEGER NOT NULL REFERENCES indicator(id),
        level_id INTEGER NOT NULL REFERENCES spatial_level(id),
        period_id INTEGER NOT NULL REFERENCES period(id),
        value REAL,
        status INTEGER NOT NULL,
        flag TEXT,
        source TEXT NOT NULL,
        PRIMARY KEY (indicator_id, level_id, period_id)
    ) WITHOUT ROWID;
    "#,
    // Version 6: merged areas. A row of a source table that stands for several areas of a
    // level ("Moorfleet und Tatenberg") becomes a combined area of the same level (key
    // "A+B", geometry the union of the members'); this table names its members. Per series,
    // the combined area stands in for its members where it has a value and they have none
    // (`store::merges`).
    r#"
    INSERT OR REPLACE INTO schema_note VALUES (6, 'zusammengefasste Gebiete');
    CREATE TABLE area_member (
        combined_area_id INTEGER NOT NULL REFERENCES area(id) ON DELETE CASCADE,
        member_area_id INTEGER NOT NULL REFERENCES area(id) ON DELETE CASCADE,
        PRIMARY KEY (combined_area_id, member_area_id)
    ) WITHOUT ROWID;
    CREATE INDEX area_member_by_member ON area_member(member_area_id);
    "#,
    // Version 7: the Quartiersprofile. Each area's interpretation text, written by the
    // planner and printed in its profile; and the saved profile templates (which indicators,
    // in which sections and order), as JSON.
    r#"
    INSERT OR REPLACE INTO schema_note VALUES (7, 'Profiltexte und Profilvorlagen');
    CREATE TABLE area_text (
        area_id INTEGER PRIMARY KEY REFERENCES area(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
    );
    CREATE TABLE profile_template (
        name TEXT PRIMARY KEY,
        sections TEXT NOT NULL
    );
    "#,
    // Version 8: bookmarks and stories. A bookmark keeps a view of the workbench (as JSON:
    // level, period, indicators, classes, extent, selection, panes) with the planner's
    // interpretation text and images; a story is an ordered list of bookmarks with a title
    // and an introduction. Both carry the public flag read by the publishing.
    r#"
    INSERT OR REPLACE INTO schema_note VALUES (8, 'Lesezeichen und Storys');
    CREATE TABLE bookmark (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        view TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
        updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
        public INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE bookmark_image (
        bookmark_id INTEGER NOT NULL REFERENCES bookmark(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        png BLOB NOT NULL,
        PRIMARY KEY (bookmark_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE story (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        intro TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
        updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
        public INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE story_bookmark (
        story_id INTEGER NOT NULL REFERENCES story(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        bookmark_id INTEGER NOT NULL REFERENCES bookmark(id) ON DELETE CASCADE,
        PRIMARY KEY (story_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX story_bookmark_by_bookmark ON story_bookmark(bookmark_id);
    "#,
    // Version 9: release for publication. An indicator is released per level (public at
    // Bezirk level, internal at Baublock level); a POI category as a whole, and of its
    // attributes only those named; who released what and when is in the audit log, which
    // now names who acted. Nothing is public until it is released: the old default of
    // `poi_category.public` (1) is taken back, and `indicator.public` (never set by any
    // version) gives way to the table.
    r#"
    INSERT OR REPLACE INTO schema_note VALUES (9, 'Freigabe zur Veröffentlichung');
    CREATE TABLE indicator_release (
        indicator_id INTEGER NOT NULL REFERENCES indicator(id) ON DELETE CASCADE,
        level_id INTEGER NOT NULL REFERENCES spatial_level(id) ON DELETE CASCADE,
        PRIMARY KEY (indicator_id, level_id)
    ) WITHOUT ROWID;
    CREATE TABLE poi_attribute_release (
        category_id INTEGER NOT NULL REFERENCES poi_category(id) ON DELETE CASCADE,
        attribute TEXT NOT NULL,
        PRIMARY KEY (category_id, attribute)
    ) WITHOUT ROWID;
    UPDATE poi_category SET public = 0;
    ALTER TABLE audit_log ADD COLUMN who TEXT NOT NULL DEFAULT '';
    "#,
    // Version 10: declared sums between indicators ("the age groups add up to the
    // residents"): the keys of the parts, comma-separated, on the total. Suppression uses
    // them, because an attacker can.
    r#"
    INSERT OR REPLACE INTO schema_note VALUES (10, 'Erklärte Summen zwischen Indikatoren');
    ALTER TABLE indicator ADD COLUMN sum_of TEXT;
    "#,
    // Version 11: computed indicators keep their formula (over other indicators of the same
    // area and period); the values are recomputed from it when an input changes. Periods
    // within the year are dated at the end of their quarter, half year or month
    // (`store::redate_periods`, right after this script).
    r#"
    INSERT OR REPLACE INTO schema_note VALUES (11, 'Berechnete Indikatoren mit Formel');
    ALTER TABLE indicator ADD COLUMN formula TEXT;
    "#,
];

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;
