// Package config loads the server's configuration: flag > MONHOOK_* env > SPACEONE_PORT (listen) and
// OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT (otlp_endpoint) > YAML file > default.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// Config is the validated server configuration.
type Config struct {
	Listen          string        `koanf:"listen"`            // default "0.0.0.0:50051"
	ShutdownGrace   time.Duration `koanf:"shutdown_grace"`    // default 20s; in-flight calls get this long after SIGTERM
	LogLevel        string        `koanf:"log_level"`         // debug|info|warn|error, default info
	LogFormat       string        `koanf:"log_format"`        // json|text, default json
	MaxRecvMsgSize  int           `koanf:"max_recv_msg_size"` // bytes, default 8 MiB (8388608)
	MaxOptionsDepth int           `koanf:"max_options_depth"` // default 32: options nested deeper are rejected
	MaxOptionsSize  int           `koanf:"max_options_size"`  // bytes of encoded options, default 1 MiB (1048576)

	MaxConcurrentStreams int           `koanf:"max_concurrent_streams"` // default 1000 calls in flight per connection
	KeepaliveTime        time.Duration `koanf:"keepalive_time"`         // default 30s: ping a quiet connection
	KeepaliveTimeout     time.Duration `koanf:"keepalive_timeout"`      // default 10s: unanswered ping closes it
	MaxConnectionIdle    time.Duration `koanf:"max_connection_idle"`    // default 5m without calls closes a connection
	ConnectionTimeout    time.Duration `koanf:"connection_timeout"`     // default 20s for a new connection's handshake

	AdminListen  string `koanf:"admin_listen"`  // default "127.0.0.1:9464"; "" turns the admin listener off
	OTLPEndpoint string `koanf:"otlp_endpoint"` // default "": tracing off

	MaxEvents      int `koanf:"max_events"`       // default 1000 events in one answer
	MaxEventBytes  int `koanf:"max_event_bytes"`  // default 1 MiB for one event
	MaxAnswerBytes int `koanf:"max_answer_bytes"` // default 16 MiB for one answer
	MaxTextBytes   int `koanf:"max_text_bytes"`   // default 64 KiB for a rendered template or a hashed key field
	MaxInfoEntries int `koanf:"max_info_entries"` // default 512 additional_info entries in one event

	MemoryLimit       int           `koanf:"memory_limit"`         // bytes; default 0: GOMEMLIMIT, else 90% of the container's limit, else 1 GiB
	AdmissionWait     time.Duration `koanf:"admission_wait"`       // default 2s a request may wait for memory
	CallTimeout       time.Duration `koanf:"call_timeout"`         // default 30s for a plugin call, reading its request included
	MaxHeaderListSize int           `koanf:"max_header_list_size"` // default 32 KiB of a call's headers
	Compression       string        `koanf:"compression"`          // default "": requests must come uncompressed; or "gzip"
}

// DefaultPath is read when --config is not given and the file exists.
const DefaultPath = "configs/monhook.yaml"

const (
	configFlag = "config"
	envPrefix  = "MONHOOK_"
	// spaceonePort is what Cloudforet sets for its plugin images; honouring it makes monhook a drop-in.
	spaceonePort = "SPACEONE_PORT"
	delim        = "."
	// otelEndpoint and otelTracesEndpoint are OpenTelemetry's standard exporter variables.
	otelEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	otelTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
)

var defaults = Config{
	Listen:          "0.0.0.0:50051",
	ShutdownGrace:   20 * time.Second,
	LogLevel:        "info",
	LogFormat:       "json",
	MaxRecvMsgSize:  8 << 20,
	MaxOptionsDepth: 32,
	MaxOptionsSize:  1 << 20,

	MaxConcurrentStreams: 1000,
	KeepaliveTime:        30 * time.Second,
	KeepaliveTimeout:     10 * time.Second,
	MaxConnectionIdle:    5 * time.Minute,
	ConnectionTimeout:    20 * time.Second,

	AdminListen:  "127.0.0.1:9464",
	OTLPEndpoint: "",

	MaxEvents:      1000,
	MaxEventBytes:  1 << 20,
	MaxAnswerBytes: 16 << 20,
	MaxTextBytes:   64 << 10,
	MaxInfoEntries: 512,

	MemoryLimit:       0,
	AdmissionWait:     2 * time.Second,
	CallTimeout:       30 * time.Second,
	MaxHeaderListSize: 32 << 10,
	Compression:       "",
}

// usage is the --help text of each key; RegisterFlags panics on a key missing here, so none is forgotten.
var usage = map[string]string{
	"listen":            "host:port to serve gRPC on; SPACEONE_PORT=<port> means 0.0.0.0:<port>",
	"shutdown_grace":    "how long in-flight calls may run on after SIGTERM",
	"log_level":         "least severe level logged: debug, info, warn or error",
	"log_format":        "log line encoding: json or text",
	"max_recv_msg_size": "largest gRPC request accepted, in bytes",
	"max_options_depth": "plugin options and webhook bodies nested deeper than this are rejected",
	"max_options_size":  "largest plugin options accepted, in bytes of encoded options",

	"max_concurrent_streams": "most calls one gRPC connection may have in flight",
	"keepalive_time":         "ping a gRPC connection that has been quiet this long",
	"keepalive_timeout":      "close a gRPC connection whose ping is not answered within this",
	"max_connection_idle":    "close a gRPC connection that has had no call in flight this long",
	"connection_timeout":     "a new gRPC connection must finish its handshake within this",
	"admin_listen":           `host:port of the HTTP admin listener (/metrics, /healthz, /readyz); "" turns it off`,
	"otlp_endpoint":          `OTLP/gRPC collector for traces: http://host:4317 (plaintext) or https://host:4317 (TLS); "" turns tracing off; OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT apply below`,

	"max_events":       "most events one Event.parse answer may have (alerts read from one body)",
	"max_event_bytes":  "largest event, in encoded bytes, body-level fields it copies included",
	"max_answer_bytes": "largest Event.parse answer, in encoded bytes",
	"max_text_bytes":   "largest rendered convert_data template, and largest value event_key_fields hashes, in bytes",
	"max_info_entries": "most additional_info entries of one event",

	"memory_limit":         "Go's soft memory limit in bytes, half of it the budget of requests in flight; 0: GOMEMLIMIT, else 90% of the container's memory limit, else 1 GiB",
	"admission_wait":       "how long a request may wait for room in the memory budget before RESOURCE_EXHAUSTED",
	"call_timeout":         "deadline of every plugin call, from its first byte (the caller's, when earlier)",
	"max_header_list_size": "largest header list of a gRPC call, in bytes",
	"compression":          `grpc-encoding accepted on requests: "" (none: requests must be uncompressed) or gzip`,
}

var levels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

var durationType = reflect.TypeFor[time.Duration]()

// keys are Config's koanf tags in field order: the one list every layer, flag and check is derived from.
var keys = func() []string {
	t := reflect.TypeFor[Config]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Tag.Get("koanf")
	}
	return out
}()

func isKey(s string) bool {
	for _, k := range keys {
		if k == s {
			return true
		}
	}
	return false
}

func envName(key string) string  { return envPrefix + strings.ToUpper(key) }
func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// RegisterFlags adds --config and one flag per key, its name with dashes (listen is --listen, max_connection_idle
// --max-connection-idle), to fs. Their defaults are the real defaults, so --help tells the truth; Load lets only
// the flags actually given override the other layers.
func RegisterFlags(fs *pflag.FlagSet) {
	fs.String(configFlag, "", "YAML configuration file (default "+DefaultPath+" when it exists)")
	v := reflect.ValueOf(defaults)
	for i, key := range keys {
		help, ok := usage[key]
		if !ok {
			panic("config: no usage for key " + key)
		}
		name, help := flagName(key), help+" (env "+envName(key)+")"
		switch f := v.Field(i); {
		case f.Type() == durationType:
			fs.Duration(name, time.Duration(f.Int()), help)
		case f.Kind() == reflect.Int:
			fs.Int(name, int(f.Int()), help)
		case f.Kind() == reflect.String:
			fs.String(name, f.String(), help)
		default:
			panic("config: no flag type for key " + key)
		}
	}
}

// Load reads the layers in precedence order and validates the result. lookupEnv is os.LookupEnv in production
// (injected for tests). Every error is a single line starting with "config: ".
func Load(fs *pflag.FlagSet, lookupEnv func(string) (string, bool)) (Config, error) {
	k := koanf.New(delim)
	from := make(map[string]string, len(keys)) // key -> where its current value came from, for error messages
	merge := func(layer *koanf.Koanf, origin func(key string) string) error {
		for _, key := range layer.Keys() {
			from[key] = origin(key)
		}
		return k.Merge(layer)
	}
	load := func(p koanf.Provider, pa koanf.Parser, origin func(key string) string) error {
		layer := koanf.New(delim)
		if err := layer.Load(p, pa); err != nil {
			return err
		}
		return merge(layer, origin)
	}

	if err := load(confmap.Provider(defaultMap(), delim), nil, func(string) string { return "default" }); err != nil {
		return Config{}, fmt.Errorf("config: defaults: %s", oneLine(err))
	}
	if err := loadFile(fs, merge); err != nil {
		return Config{}, err
	}
	if port, ok := lookupEnv(spaceonePort); ok {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return Config{}, fmt.Errorf("config: %s %q is not a port", spaceonePort, port)
		}
		m := map[string]any{"listen": net.JoinHostPort("0.0.0.0", strconv.FormatUint(n, 10))}
		if err := load(confmap.Provider(m, delim), nil, func(string) string { return spaceonePort }); err != nil {
			return Config{}, fmt.Errorf("config: %s: %s", spaceonePort, oneLine(err))
		}
	}
	// OpenTelemetry's standard variables, the traces-only one first, sit just below MONHOOK_OTLP_ENDPOINT.
	for _, name := range []string{otelEndpoint, otelTracesEndpoint} {
		if v, ok := lookupEnv(name); ok && v != "" {
			m := map[string]any{"otlp_endpoint": v}
			if err := load(confmap.Provider(m, delim), nil, func(string) string { return name }); err != nil {
				return Config{}, fmt.Errorf("config: %s: %s", name, oneLine(err))
			}
		}
	}
	// The environment is not ours alone: only known keys are looked up, other MONHOOK_* variables are ignored.
	env := map[string]any{}
	for _, key := range keys {
		if v, ok := lookupEnv(envName(key)); ok {
			env[key] = v
		}
	}
	if err := load(confmap.Provider(env, delim), nil, envName); err != nil {
		return Config{}, fmt.Errorf("config: environment: %s", oneLine(err))
	}
	// A nil Koanf makes posflag skip every flag the user did not set, so flag defaults never mask lower layers.
	flags := posflag.ProviderWithFlag(fs, delim, nil, func(f *pflag.Flag) (string, any) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if !isKey(key) {
			return "", nil // --config, --help and flags of other packages
		}
		return key, posflag.FlagVal(fs, f)
	})
	if err := load(flags, nil, func(key string) string { return "--" + flagName(key) }); err != nil {
		return Config{}, fmt.Errorf("config: flags: %s", oneLine(err))
	}

	var c Config
	err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.ComposeDecodeHookFunc(unitlessDuration, mapstructure.StringToTimeDurationHookFunc()),
		WeaklyTypedInput: true, // env values are strings
		ErrorUnused:      true, // loadFile names the culprit first; this keeps any other stray key from passing silently
	}})
	if err != nil {
		var de *mapstructure.DecodeError
		if errors.As(err, &de) && isKey(de.Name()) {
			return Config{}, bad(de.Name(), k.Get(de.Name()), from, oneLine(de.Unwrap()))
		}
		return Config{}, fmt.Errorf("config: %s", oneLine(err))
	}
	return c, c.validate(from)
}

// loadFile merges the explicit --config file, else DefaultPath if it exists, rejecting keys Config lacks.
func loadFile(fs *pflag.FlagSet, merge func(*koanf.Koanf, func(string) string) error) error {
	path := DefaultPath
	if f := fs.Lookup(configFlag); f != nil && f.Changed {
		path = f.Value.String()
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("config: --%s %q: no such file", configFlag, path)
		}
	} else if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	layer := koanf.New(delim)
	if err := layer.Load(file.Provider(path), yaml.Parser()); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return fmt.Errorf("config: %s: %s", path, oneLine(err))
	}
	// A typo in the file must not silently fall back to a default.
	for _, key := range layer.Keys() {
		if !isKey(key) {
			return fmt.Errorf("config: %s: unknown key %q", path, key)
		}
	}
	return merge(layer, func(string) string { return path })
}

func defaultMap() map[string]any {
	v := reflect.ValueOf(defaults)
	m := make(map[string]any, len(keys))
	for i, key := range keys {
		m[key] = v.Field(i).Interface()
	}
	return m
}

// unitlessDuration refuses a bare number for a duration: mapstructure would read a YAML 20 as 20ns, not 20s.
func unitlessDuration(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from == durationType {
		return data, nil
	}
	switch from.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return nil, errors.New(`a duration needs a unit, such as "20s"`)
	}
	return data, nil
}

func (c Config) validate(from map[string]string) error {
	if err := checkListen(c.Listen); err != "" {
		return bad("listen", c.Listen, from, err)
	}
	if c.ShutdownGrace <= 0 {
		return bad("shutdown_grace", c.ShutdownGrace, from, "must be positive")
	}
	if _, ok := levels[c.LogLevel]; !ok {
		return bad("log_level", c.LogLevel, from, "want debug, info, warn or error")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return bad("log_format", c.LogFormat, from, "want json or text")
	}
	for _, limit := range []struct {
		key string
		n   int
	}{
		{"max_recv_msg_size", c.MaxRecvMsgSize}, {"max_options_depth", c.MaxOptionsDepth},
		{"max_options_size", c.MaxOptionsSize}, {"max_concurrent_streams", c.MaxConcurrentStreams},
		{"max_events", c.MaxEvents}, {"max_event_bytes", c.MaxEventBytes}, {"max_answer_bytes", c.MaxAnswerBytes},
		{"max_text_bytes", c.MaxTextBytes}, {"max_info_entries", c.MaxInfoEntries},
		{"max_header_list_size", c.MaxHeaderListSize},
	} {
		if limit.n <= 0 {
			return bad(limit.key, limit.n, from, "must be positive")
		}
	}
	for _, limit := range []struct {
		key string
		n   int
	}{{"max_concurrent_streams", c.MaxConcurrentStreams}, {"max_header_list_size", c.MaxHeaderListSize}} {
		if limit.n > math.MaxUint32 {
			return bad(limit.key, limit.n, from, "must be at most 4294967295")
		}
	}
	// The answer leaves as one gRPC message, which Cloudforet's client takes up to 256 MiB.
	if c.MaxAnswerBytes > 256<<20 {
		return bad("max_answer_bytes", c.MaxAnswerBytes, from, "must be at most 268435456, what Cloudforet's client receives")
	}
	if c.MaxEventBytes > c.MaxAnswerBytes {
		return bad("max_event_bytes", c.MaxEventBytes, from, "must be at most max_answer_bytes")
	}
	if c.MemoryLimit < 0 {
		return bad("memory_limit", c.MemoryLimit, from, "must be 0 (automatic) or a number of bytes")
	}
	if c.Compression != "" && c.Compression != "gzip" {
		return bad("compression", c.Compression, from, `want "" (none) or gzip`)
	}
	for _, d := range []struct {
		key string
		d   time.Duration
		min time.Duration
	}{
		// gRPC raises a keepalive time under 1s to 1s; refusing it keeps the configuration truthful.
		{"keepalive_time", c.KeepaliveTime, time.Second},
		{"keepalive_timeout", c.KeepaliveTimeout, time.Nanosecond},
		{"max_connection_idle", c.MaxConnectionIdle, time.Nanosecond},
		{"connection_timeout", c.ConnectionTimeout, time.Nanosecond},
		{"admission_wait", c.AdmissionWait, 0},
		{"call_timeout", c.CallTimeout, time.Nanosecond},
	} {
		if d.d < d.min {
			if d.min == 0 {
				return bad(d.key, d.d, from, "must not be negative")
			}
			if d.min == time.Nanosecond {
				return bad(d.key, d.d, from, "must be positive")
			}
			return bad(d.key, d.d, from, "must be at least "+d.min.String())
		}
	}
	if c.AdminListen != "" {
		if err := checkListen(c.AdminListen); err != "" {
			return bad("admin_listen", c.AdminListen, from, err)
		}
	}
	if c.OTLPEndpoint != "" {
		if err := checkEndpoint(c.OTLPEndpoint); err != "" {
			return bad("otlp_endpoint", c.OTLPEndpoint, from, err)
		}
	}
	return nil
}

// checkEndpoint returns why s is not an http or https URL with a host, or "". The scheme says whether the
// exporter uses TLS, so a bare host:port, which would leave that to a guess, is refused.
func checkEndpoint(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "not a URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "want an http:// (plaintext) or https:// (TLS) URL, such as http://otel-collector:4317"
	}
	if u.Host == "" {
		return "the URL has no host"
	}
	return ""
}

// checkListen returns why addr is not host:port with a numeric port 0..65535, or "".
func checkListen(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return ae.Err // the address is already in the message
		}
		return oneLine(err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("port %q is not a number 0..65535", port)
	}
	return ""
}

// bad spells a rejected value, e.g. `config: listen "abc" (from MONHOOK_LISTEN): missing port in address`.
func bad(key string, value any, from map[string]string, why string) error {
	return fmt.Errorf("config: %s %q (from %s): %s", key, fmt.Sprint(value), from[key], why)
}

// oneLine joins a library's multi-line message: the binary prints each error as its one-line reason.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Level returns LogLevel as a slog.Level (valid after Load).
func (c Config) Level() slog.Level {
	return levels[c.LogLevel]
}
