// Package pgread is pgrollout's read-only PostgreSQL connection: the one the
// Audit stage reads statistics and catalogs through.
//
// A Conn is read-only at three levels:
//
//   - the session starts with default_transaction_read_only=on (sent in the
//     startup packet, after and so above anything PGOPTIONS says);
//   - every query runs inside BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY
//     (ReadOnly), whose first statement takes the snapshot, so that the
//     transaction cannot be switched back to read-write either;
//   - statement_timeout, lock_timeout and idle_in_transaction_session_timeout
//     bound what a slow catalog or a held lock can cost the server.
//
// The session also sets application_name=pgrollout, jit=off (catalog
// queries over a large schema would otherwise spend seconds compiling),
// search_path=pg_catalog (no user object shadows a catalog one; names in
// pg_get_indexdef and regclass output come schema-qualified), DateStyle ISO
// and TimeZone UTC. Queries run one round trip each, without named prepared
// statements (pgx QueryExecModeExec), and Queries counts them.
//
// The connection string is a URL or key=value string, or "" for the libpq
// environment: pgx reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
// PGSSLMODE, PGAPPNAME, PGCONNECT_TIMEOUT, PGOPTIONS, PGSERVICE with
// PGSERVICEFILE or ~/.pg_service.conf, and PGPASSFILE or ~/.pgpass, as libpq
// does (the system-wide service file under PGSYSCONFDIR is not read).
// Passwords are never kept: Redacted gives the string to store or print, and
// errors never contain the password.
package pgread

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ApplicationName is the application_name a Conn sets, so a DBA can see the
// audit in pg_stat_activity.
const ApplicationName = "pgrollout"

// The default session limits.
const (
	DefaultStatementTimeout         = 30 * time.Second
	DefaultLockTimeout              = 2 * time.Second
	DefaultIdleInTransactionTimeout = 60 * time.Second
	DefaultConnectTimeout           = 10 * time.Second
)

// beginSQL starts every transaction. The SELECT takes the transaction's
// snapshot, after which PostgreSQL refuses SET transaction_read_only = off
// ("must be set before any query").
const beginSQL = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1"

// Option changes a setting of Open.
type Option func(*options)

type options struct {
	statementTimeout time.Duration
	lockTimeout      time.Duration
	idleTimeout      time.Duration
	connectTimeout   time.Duration
	tracer           pgx.QueryTracer
}

// WithStatementTimeout sets statement_timeout (default 30s); 0 turns it off.
func WithStatementTimeout(d time.Duration) Option {
	return func(o *options) { o.statementTimeout = d }
}

// WithLockTimeout sets lock_timeout (default 2s); 0 turns it off.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) { o.lockTimeout = d }
}

// WithIdleInTransactionTimeout sets idle_in_transaction_session_timeout
// (default 60s); 0 turns it off.
func WithIdleInTransactionTimeout(d time.Duration) Option {
	return func(o *options) { o.idleTimeout = d }
}

// WithConnectTimeout bounds the connection attempt when the connection
// string sets no connect_timeout (default 10s).
func WithConnectTimeout(d time.Duration) Option {
	return func(o *options) { o.connectTimeout = d }
}

// WithTracer also passes every query to t (after the Conn's own counting),
// a Sibling's too, from its own goroutine: t must be safe for concurrent
// use.
func WithTracer(t pgx.QueryTracer) Option {
	return func(o *options) { o.tracer = t }
}

// Conn is a read-only connection. It is not safe for concurrent use, but for
// Sibling, which reads only its configuration.
type Conn struct {
	conn     *pgx.Conn
	target   string
	redacted string
	secrets  []string
	public   []string // the parts of the connection shown as they are
	queries  atomic.Int64
}

// Open connects to dsn ("" for the libpq environment) with the read-only
// session settings, and checks that they took: a server or pooler that
// ignores default_transaction_read_only is refused.
func Open(ctx context.Context, dsn string, opts ...Option) (*Conn, error) {
	o := options{
		statementTimeout: DefaultStatementTimeout,
		lockTimeout:      DefaultLockTimeout,
		idleTimeout:      DefaultIdleInTransactionTimeout,
		connectTimeout:   DefaultConnectTimeout,
	}
	for _, opt := range opts {
		opt(&o)
	}
	secrets := passwords(dsn)
	where := Redacted(dsn)
	if dsn == "" {
		where = "the PG* environment"
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, scrub(fmt.Errorf("connection string %s: %w", quoteDSN(where), parseCause(err)), secrets, []string{where})
	}
	secrets = appendSecret(secrets, cfg.Password)
	if cfg.ConnectTimeout == 0 && o.connectTimeout > 0 {
		cfg.ConnectTimeout = o.connectTimeout
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	ours := sessionParams(o)
	names := map[string]bool{}
	for k := range ours {
		names[strings.ToLower(k)] = true
	}
	for k := range cfg.RuntimeParams {
		// Setting names are case-insensitive on the server: a DSN's
		// "LOCK_TIMEOUT=0" would otherwise race ours.
		if names[strings.ToLower(k)] {
			delete(cfg.RuntimeParams, k)
		}
	}
	for k, v := range ours {
		cfg.RuntimeParams[k] = v
	}
	// One round trip per query, no named prepared statements left on the
	// server (safe behind poolers); results come back as text, which the
	// DateStyle and TimeZone above make unambiguous.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	c := &Conn{secrets: secrets, redacted: Redacted(dsn)}
	cfg.Tracer = &counter{n: &c.queries, next: o.tracer}
	c.target = target(cfg)
	c.public = []string{c.target, c.redacted, cfg.User, cfg.Host, strconv.Itoa(int(cfg.Port)), cfg.Database}
	for _, fb := range cfg.Fallbacks {
		c.public = append(c.public, fb.Host, strconv.Itoa(int(fb.Port)))
	}

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, scrub(fmt.Errorf("connect to %s: %w", c.target, err), secrets, c.public)
	}
	c.conn = conn
	if err := c.checkReadOnly(ctx); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}

// checkReadOnly makes sure default_transaction_read_only took: a pooler may
// drop startup parameters. PostgreSQL 14 and later report the setting at
// connection; older servers are asked, inside a read-only transaction.
func (c *Conn) checkReadOnly(ctx context.Context) error {
	ro := c.conn.PgConn().ParameterStatus("default_transaction_read_only")
	if ro == "" {
		err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SHOW default_transaction_read_only").Scan(&ro)
		})
		if err != nil {
			return c.wrap(err, "check default_transaction_read_only")
		}
	}
	if ro != "on" {
		return fmt.Errorf("connect to %s: default_transaction_read_only is %q after asking for on (a pooler dropping startup parameters?): refusing a session that may write; connect to the server directly", c.target, ro)
	}
	return nil
}

// sessionParams are the settings sent in the startup packet.
func sessionParams(o options) map[string]string {
	return map[string]string{
		"default_transaction_read_only":       "on",
		"application_name":                    ApplicationName,
		"statement_timeout":                   millis(o.statementTimeout),
		"lock_timeout":                        millis(o.lockTimeout),
		"idle_in_transaction_session_timeout": millis(o.idleTimeout),
		// Catalog queries over large schemas look expensive to the
		// planner, which would spend seconds JIT-compiling them.
		"jit": "off",
		// Text results (QueryExecModeExec) parse the same on every server.
		"DateStyle": "ISO, YMD",
		"TimeZone":  "UTC",
		// Names in pg_get_indexdef, format_type and regclass output are
		// schema-qualified, and no user object can shadow a catalog one.
		"search_path": "pg_catalog",
	}
}

func millis(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10)
}

// Sibling opens a second session with c's connection settings, checked the
// same way, for reading beside c: to the same server and database, but for
// a connection string naming several hosts, where it may reach another (an
// import of c's snapshot then fails). Its statements count in c's Queries,
// and pass through the same tracer. Close it when done.
func (c *Conn) Sibling(ctx context.Context) (*Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.conn.Config())
	if err != nil {
		return nil, scrub(fmt.Errorf("connect a second session to %s: %w", c.target, err), c.secrets, c.public)
	}
	s := &Conn{conn: conn, target: c.target, redacted: c.redacted, secrets: c.secrets, public: c.public}
	if err := s.checkReadOnly(ctx); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// IsClosed reports whether the session is gone (closed, or its connection
// lost).
func (c *Conn) IsClosed() bool { return c.conn.IsClosed() }

// Close ends the session.
func (c *Conn) Close(ctx context.Context) error {
	if c == nil || c.conn == nil {
		return nil
	}
	return c.conn.Close(ctx)
}

// Target names the server and database connected to, as user@host:port/db,
// without a password.
func (c *Conn) Target() string { return c.target }

// DSN is the connection string Open was given, without its password ("" for
// the environment).
func (c *Conn) DSN() string { return c.redacted }

// Queries counts the statements sent to the server since Open, BEGIN,
// SAVEPOINT and ROLLBACK included: each is one round trip. Those of a
// Sibling count in the Conn it was opened from.
func (c *Conn) Queries() int64 { return c.queries.Load() }

// ReadOnly runs fn inside a read-only REPEATABLE READ transaction, which is
// always rolled back: nothing it does can stay. fn's error is returned
// wrapped (without the password), as is a failure to begin.
func (c *Conn) ReadOnly(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return c.readOnly(ctx, beginSQL, fn)
}

// ExportSnapshotSQL exports the snapshot of the transaction it runs in, for
// ReadOnlyIn on another session. It must be run outside any savepoint, and
// the transaction must stay open until the other session has begun.
const ExportSnapshotSQL = "SELECT pg_export_snapshot()"

// snapshotID matches the identifiers pg_export_snapshot returns.
var snapshotID = regexp.MustCompile(`^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+$`)

// Marker is the comment the audit's statements carry after their first
// keyword, so that they can be told apart in pg_stat_statements.
const Marker = "/* pgrollout audit */"

// ReadOnlyIn runs fn like ReadOnly, in a transaction that reads the snapshot
// another session exported (ExportSnapshotSQL) and holds open: both see the
// same catalogs and data (the cumulative statistics are each session's
// own). When the import fails, the transaction is ended and c stays usable.
func (c *Conn) ReadOnlyIn(ctx context.Context, snapshot string, fn func(tx pgx.Tx) error) error {
	if !snapshotID.MatchString(snapshot) {
		return fmt.Errorf("import snapshot %q on %s: not a snapshot identifier", snapshot, c.target)
	}
	// SET TRANSACTION SNAPSHOT sets the transaction's snapshot, after which
	// PostgreSQL refuses SET transaction_read_only = off as it does after
	// beginSQL's SELECT. Its text differs every time, so it is marked.
	return c.readOnly(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET "+Marker+" TRANSACTION SNAPSHOT '"+snapshot+"'", fn)
}

func (c *Conn) readOnly(ctx context.Context, begin string, fn func(tx pgx.Tx) error) error {
	tx, err := c.conn.BeginTx(ctx, pgx.TxOptions{
		IsoLevel:   pgx.RepeatableRead,
		AccessMode: pgx.ReadOnly,
		BeginQuery: begin,
	})
	if err != nil {
		// A begin query that failed after its BEGIN (an import refused)
		// leaves the session in an aborted transaction.
		if pc := c.conn.PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
			if _, rbErr := c.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
				err = errors.Join(err, rbErr)
			}
		}
		return c.wrap(err, "begin read-only transaction")
	}
	err = fn(tx)
	// Rollback on a dead connection fails too; fn's error says more.
	rbErr := tx.Rollback(context.WithoutCancel(ctx))
	if err != nil {
		return c.wrap(err, "")
	}
	if rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
		return c.wrap(rbErr, "end read-only transaction")
	}
	return nil
}

func (c *Conn) wrap(err error, doing string) error {
	if err == nil {
		return nil
	}
	if doing != "" {
		err = fmt.Errorf("%s on %s: %w", doing, c.target, err)
	}
	return scrub(err, c.secrets, c.public)
}

// target describes a parsed configuration without its password.
func target(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, host, cfg.Port, cfg.Database)
}

// quoteDSN shows a connection string in an error.
func quoteDSN(s string) string {
	if s == "the PG* environment" {
		return s
	}
	return "`" + s + "`"
}

// parseCause is the reason a connection string did not parse, without the
// string itself (pgx quotes it, redacting passwords only on a best effort).
func parseCause(err error) error {
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		if inner := pce.Unwrap(); inner != nil {
			return fmt.Errorf("does not parse: %w", inner)
		}
		msg := pce.Error()
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			return errors.New("does not parse: " + msg[i+3:])
		}
		return errors.New("does not parse")
	}
	return err
}

// counter is the Conn's query tracer.
type counter struct {
	n    *atomic.Int64
	next pgx.QueryTracer
}

func (t *counter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	t.n.Add(1)
	if t.next != nil {
		return t.next.TraceQueryStart(ctx, conn, data)
	}
	return ctx
}

func (t *counter) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if t.next != nil {
		t.next.TraceQueryEnd(ctx, conn, data)
	}
}
