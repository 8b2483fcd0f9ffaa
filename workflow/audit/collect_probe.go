package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// probeSettings are the settings the capability probe records in
// ServerInfo.Settings, in their SHOW form ("4MB", "on"). Only the ones the
// role may see are read (pg_settings hides superuser-only settings such as
// shared_preload_libraries from other roles); a setting the server does not
// have is left out.
func probeSettings() []string {
	return []string{
		"track_counts", "track_io_timing", "track_activities", "compute_query_id",
		"work_mem", "maintenance_work_mem", "hash_mem_multiplier", "shared_buffers", "max_connections",
		"autovacuum", "autovacuum_freeze_max_age", "autovacuum_multixact_freeze_max_age",
		"vacuum_freeze_min_age", "vacuum_multixact_freeze_min_age",
		"log_temp_files", "temp_file_limit", "block_size", "shared_preload_libraries",
		"pg_stat_statements.max", "pg_stat_statements.track", "stats_fetch_consistency",
	}
}

// probeSQL is the capability probe: one row.
func probeSQL() string {
	settings := probeSettings()
	names := make([]string, len(settings))
	for i, n := range settings {
		names[i] = "'" + n + "'"
	}
	return `
SELECT now(),
       current_setting('server_version'),
       current_setting('server_version_num')::int,
       pg_is_in_recovery(),
       current_user::text,
       coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false),
       coalesce((SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r
                 WHERE r.rolname IN ('pg_monitor', 'pg_read_all_stats', 'pg_read_all_data')
                   AND pg_has_role(current_user, r.oid, 'USAGE')), '{}'),
       current_setting('block_size')::int8,
       pg_postmaster_start_time(),
       coalesce((SELECT json_object_agg(s.name, current_setting(s.name))::text FROM pg_settings s
                 WHERE s.name IN (` + strings.Join(names, ", ") + `)), '{}'),
       d.oid::int8, d.datname::text,
       CASE WHEN d.datfrozenxid = '0'::xid THEN 0 ELSE age(d.datfrozenxid) END::int8,
       CASE WHEN d.datminmxid = '0'::xid THEN 0 ELSE mxid_age(d.datminmxid) END::int8,
       coalesce(sd.xact_commit, 0), coalesce(sd.blks_read, 0), coalesce(sd.blks_hit, 0),
       coalesce(sd.temp_files, 0), coalesce(sd.temp_bytes, 0), coalesce(sd.deadlocks, 0),
       sd.stats_reset,
       e.schema, e.version, e.columns, coalesce(e.info, false),
       (SELECT count(*) FROM pg_stat_progress_create_index p
         WHERE p.datid = d.oid AND p.relid IS NULL)
FROM pg_database d
LEFT JOIN pg_stat_database sd ON sd.datid = d.oid
LEFT JOIN LATERAL (
  SELECT n.nspname::text AS schema, x.extversion::text AS version,
         (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           WHERE c.relnamespace = x.extnamespace AND c.relname = 'pg_stat_statements'
             AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
         -- pg_stat_statements_info (1.9+): its stats_reset is the statements' own window.
         (SELECT has_table_privilege(c.oid, 'SELECT') FROM pg_class c
           WHERE c.relnamespace = x.extnamespace AND c.relname = 'pg_stat_statements_info') AS info
  FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
  WHERE x.extname = 'pg_stat_statements'
) e ON true
WHERE d.datname = current_database()`
}

// probe reads the server, the role, the settings, the current database's
// row of pg_stat_database and where pg_stat_statements is.
func (k *collector) probe(ctx context.Context, tx pgx.Tx) error {
	srv := &ServerInfo{}
	s := k.s
	var (
		roles                     []string
		settings                  string
		statsReset                *time.Time
		pgssSchema, pgssVersion   *string
		pgssColumns               []string
		pgssInfo                  bool
		postmasterStart, captured time.Time
	)
	err := tx.QueryRow(ctx, probeSQL()).Scan(
		&captured, &s.ServerVersion, &srv.VersionNum, &srv.InRecovery, &srv.User, &srv.Superuser, &roles,
		&s.BlockSize, &postmasterStart, &settings,
		&k.dbOID, &s.Database.Name, &s.Database.XIDAge, &s.Database.MXIDAge,
		&s.Database.XactCommit, &s.Database.BlksRead, &s.Database.BlksHit,
		&s.Database.TempFiles, &s.Database.TempBytes, &s.Database.Deadlocks,
		&statsReset, &pgssSchema, &pgssVersion, &pgssColumns, &pgssInfo, &k.hiddenBuilds,
	)
	if err != nil {
		return err
	}
	s.CapturedAt = captured.UTC()
	s.PostmasterStart = postmasterStart.UTC()
	if statsReset != nil {
		s.StatsReset = statsReset.UTC()
	}
	if len(roles) > 0 {
		srv.Roles = roles
	}
	if err := json.Unmarshal([]byte(settings), &srv.Settings); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	srv.TrackCounts = srv.Settings["track_counts"] == "on"
	srv.TrackIOTiming = srv.Settings["track_io_timing"] == "on"
	if pgssSchema != nil {
		srv.PGSS = &PGSSInfo{Schema: *pgssSchema, Columns: pgssColumns, infoReadable: pgssInfo}
		if pgssVersion != nil {
			srv.PGSS.Version = *pgssVersion
		}
	}
	s.Server = srv
	return nil
}
