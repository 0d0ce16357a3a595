// Package config loads the server's configuration with koanf: flag > MONHOOK_* env > SPACEONE_PORT (listen) and
// OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,PROTOCOL} (otlp_*) > YAML file > default, each key checked by validator/v10
// tags. Every error is one line naming the key, the value and where it came from.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// Config is the validated server configuration. The koanf tag is the key (in the file; MONHOOK_<KEY> in the
// environment; --<key-with-dashes> as a flag), the validate tag its rules, the help tag its --help text.
type Config struct {
	Listen          string        `koanf:"listen" validate:"hostport" help:"host:port to serve gRPC on; SPACEONE_PORT=<port> means 0.0.0.0:<port>"`
	ShutdownGrace   time.Duration `koanf:"shutdown_grace" validate:"gt=0" help:"how long in-flight calls may run on after SIGTERM"`
	LogLevel        slog.Level    `koanf:"log_level" help:"least severe level logged: debug, info, warn or error"`
	LogFormat       string        `koanf:"log_format" validate:"oneof=json text" help:"log line encoding: json or text"`
	MaxRecvMsgSize  int           `koanf:"max_recv_msg_size" validate:"gt=0" help:"largest gRPC request accepted, in bytes"`
	MaxNestingDepth int           `koanf:"max_nesting_depth" validate:"gt=0" help:"plugin options and webhook bodies nested deeper than this are rejected"`
	MaxOptionsSize  int           `koanf:"max_options_size" validate:"gt=0" help:"largest plugin options accepted, in bytes of encoded options"`

	MaxConcurrentStreams int           `koanf:"max_concurrent_streams" validate:"gt=0,lte=4294967295" help:"most calls one gRPC connection may have in flight"`
	KeepaliveTime        time.Duration `koanf:"keepalive_time" validate:"gte=1s" help:"ping a gRPC connection that has been quiet this long"`
	KeepaliveTimeout     time.Duration `koanf:"keepalive_timeout" validate:"gt=0" help:"close a gRPC connection whose ping is not answered within this"`
	MaxConnectionIdle    time.Duration `koanf:"max_connection_idle" validate:"gt=0" help:"close a gRPC connection that has had no call in flight this long"`
	ConnectionTimeout    time.Duration `koanf:"connection_timeout" validate:"gt=0" help:"a new gRPC connection must finish its handshake within this"`
	// Cloudforet holds plugin connections open for hours: without an age limit, replicas an autoscaler adds get no calls.
	MaxConnectionAge      time.Duration `koanf:"max_connection_age" validate:"gt=0" help:"ask a gRPC connection this old (give or take 10%) to reconnect, so its calls spread over new replicas"`
	MaxConnectionAgeGrace time.Duration `koanf:"max_connection_age_grace" validate:"gt=0" help:"calls still running on a connection past max_connection_age get this long before it is closed"`

	AdminListen  string `koanf:"admin_listen" validate:"omitempty,hostport" help:"host:port of the HTTP admin listener (/metrics, /healthz, /readyz); \"\" turns it off"`
	OTLPEndpoint string `koanf:"otlp_endpoint" validate:"omitempty,endpoint" help:"OTLP collector for traces: http://host:4317 (plaintext) or https://host:4317 (TLS); \"\" turns tracing off; OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT apply below"`
	OTLPProtocol string `koanf:"otlp_protocol" validate:"oneof=grpc http/protobuf" help:"OTLP transport to the collector: grpc or http/protobuf (then the endpoint is the collector's HTTP one, e.g. http://host:4318); OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL apply below"`

	MaxEvents      int `koanf:"max_events" validate:"gt=0" help:"most events one Event.parse answer may have (alerts read from one body)"`
	MaxEventBytes  int `koanf:"max_event_bytes" validate:"gt=0,ltefield=MaxAnswerBytes" help:"largest event, in encoded bytes, body-level fields it copies included"`
	MaxAnswerBytes int `koanf:"max_answer_bytes" validate:"gt=0,lte=268435456" help:"largest Event.parse answer, in encoded bytes"`
	MaxTextBytes   int `koanf:"max_text_bytes" validate:"gt=0" help:"largest rendered convert_data template, and largest value event_key_fields hashes, in bytes"`
	MaxInfoEntries int `koanf:"max_info_entries" validate:"gt=0" help:"most additional_info entries of one event"`

	MemoryLimit       int           `koanf:"memory_limit" validate:"gte=0" help:"Go's soft memory limit in bytes, half of it the budget of requests in flight; 0: GOMEMLIMIT, else 90% of the container's memory limit, else 1 GiB"`
	AdmissionWait     time.Duration `koanf:"admission_wait" validate:"gte=0" help:"how long a request may wait for room in the memory budget before RESOURCE_EXHAUSTED"`
	CallTimeout       time.Duration `koanf:"call_timeout" validate:"gt=0" help:"deadline of every plugin call, from its first byte (the caller's, when earlier)"`
	MaxHeaderListSize int           `koanf:"max_header_list_size" validate:"gt=0,lte=4294967295" help:"largest header list of a gRPC call, in bytes"`
	Compression       string        `koanf:"compression" validate:"oneof='' gzip" help:"grpc-encoding accepted on requests: \"\" (none: requests must be uncompressed) or gzip"`

	Protocol string `koanf:"protocol" validate:"oneof=monitoring alert_manager" help:"plugin protocol served: monitoring (spaceone.api.monitoring.plugin) or alert_manager (spaceone.api.alert_manager.plugin); one per process"`
}

// DefaultPath is read when --config is not given and the file exists.
const DefaultPath = "configs/monhook.yaml"

const (
	configFlag = "config"
	configEnv  = envPrefix + "CONFIG" // the file, when --config is not given
	envPrefix  = "MONHOOK_"
	// spaceonePort is what Cloudforet's own plugin images set; honouring it makes monhook a drop-in.
	spaceonePort = "SPACEONE_PORT"
	delim        = "."
	// otelEndpoint and otelTracesEndpoint are OpenTelemetry's standard exporter variables.
	otelEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	otelTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	otelProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	otelTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
)

// renamed maps keys that have a new name to it: the old name is still read, with a warning.
var renamed = map[string]string{
	// It limits webhook bodies too, which its old name hid.
	"max_options_depth": "max_nesting_depth",
}

// Defaults is the configuration of an empty file and environment.
func Defaults() Config {
	return Config{
		Listen:          "0.0.0.0:50051",
		ShutdownGrace:   20 * time.Second,
		LogLevel:        slog.LevelInfo,
		LogFormat:       "json",
		MaxRecvMsgSize:  8 << 20,
		MaxNestingDepth: 32,
		MaxOptionsSize:  1 << 20,

		MaxConcurrentStreams: 1000,
		KeepaliveTime:        30 * time.Second,
		KeepaliveTimeout:     10 * time.Second,
		MaxConnectionIdle:    5 * time.Minute,
		ConnectionTimeout:    20 * time.Second,
		// A few minutes: a scale-up is reached well within the autoscaler's own minutes, and one reconnection per
		// client every two minutes costs nothing measurable.
		MaxConnectionAge: 2 * time.Minute,
		// call_timeout's default: a call the age limit interrupts would have been cut by its deadline anyway.
		MaxConnectionAgeGrace: 30 * time.Second,

		AdminListen:  "127.0.0.1:9464",
		OTLPProtocol: "grpc",

		MaxEvents:      1000,
		MaxEventBytes:  1 << 20,
		MaxAnswerBytes: 16 << 20,
		MaxTextBytes:   64 << 10,
		MaxInfoEntries: 512,

		AdmissionWait:     2 * time.Second,
		CallTimeout:       30 * time.Second,
		MaxHeaderListSize: 32 << 10,

		Protocol: "monitoring",
	}
}

// field is one key as the struct tags state it.
type field struct {
	key, help string
	index     int
	typ       reflect.Type
}

// fields lists Config's keys in declaration order: every flag, check and error is derived from them.
var fields = func() []field {
	t := reflect.TypeFor[Config]()
	out := make([]field, t.NumField())
	for i := range out {
		f := t.Field(i)
		out[i] = field{key: f.Tag.Get("koanf"), help: f.Tag.Get("help"), index: i, typ: f.Type}
	}
	return out
}()

func keyOf(name string) (field, bool) {
	for _, f := range fields {
		if f.key == name {
			return f, true
		}
	}
	return field{}, false
}

func envName(key string) string  { return envPrefix + strings.ToUpper(key) }
func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// RegisterFlags adds --config and one flag per key (listen is --listen, max_connection_idle --max-connection-idle)
// to fs, with the real defaults, so --help tells the truth; Load lets only the flags actually given override the
// other layers. A renamed key keeps its old flag, hidden.
func RegisterFlags(fs *pflag.FlagSet) {
	fs.String(configFlag, "", "YAML configuration file (env "+configEnv+"; default "+DefaultPath+" when it exists)")
	d := reflect.ValueOf(Defaults())
	register := func(name, help string, v reflect.Value) {
		help += " (env " + envName(strings.ReplaceAll(name, "-", "_")) + ")"
		switch x := v.Interface().(type) {
		case time.Duration:
			fs.Duration(name, x, help)
		case slog.Level:
			fs.String(name, strings.ToLower(x.String()), help)
		case int:
			fs.Int(name, x, help)
		case string:
			fs.String(name, x, help)
		default:
			panic("config: no flag type for --" + name) // a new key of a new type is a programming error
		}
	}
	for _, f := range fields {
		register(flagName(f.key), f.help, d.Field(f.index))
	}
	for old, key := range renamed {
		f, _ := keyOf(key)
		register(flagName(old), "deprecated: use --"+flagName(key), d.Field(f.index))
		_ = fs.MarkHidden(flagName(old))
	}
}

// Load reads the layers in precedence order and checks the result. environ is os.Environ in production. Warnings
// name the deprecated keys that were used. Every error is a single line starting with "config: ".
func Load(fs *pflag.FlagSet, environ func() []string) (cfg Config, warnings []string, err error) {
	k := koanf.New(delim)
	from := map[string]string{} // key -> where its current value came from, for error messages
	var warn []string
	merge := func(p koanf.Provider, pa koanf.Parser, origin func(key string) string) error {
		layer := koanf.New(delim)
		if err := layer.Load(p, pa); err != nil {
			return err
		}
		for _, key := range layer.Keys() {
			from[key] = origin(key)
		}
		for old, key := range renamed {
			if layer.Exists(old) {
				warn = append(warn, fmt.Sprintf("%s (%s) is deprecated: use %s", old, origin(old), key))
				_ = layer.Set(key, layer.Get(old))
				layer.Delete(old)
				from[key] = origin(old)
			}
		}
		return k.Merge(layer)
	}
	vars := environment(environ())

	if err := merge(structs.Provider(Defaults(), "koanf"), nil, func(string) string { return "default" }); err != nil {
		return Config{}, nil, fmt.Errorf("config: defaults: %s", oneLine(err))
	}
	if err := loadFile(fs, vars[configEnv], merge); err != nil {
		return Config{}, nil, err
	}
	if port, ok := vars[spaceonePort]; ok {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return Config{}, nil, fmt.Errorf("config: %s %q is not a port", spaceonePort, port)
		}
		m := map[string]any{"listen": net.JoinHostPort("0.0.0.0", strconv.FormatUint(n, 10))}
		if err := merge(confmap.Provider(m, delim), nil, func(string) string { return spaceonePort }); err != nil {
			return Config{}, nil, fmt.Errorf("config: %s: %s", spaceonePort, oneLine(err))
		}
	}
	// OpenTelemetry's standard variables sit just below MONHOOK_OTLP_*; the traces-only one wins over the general
	// one, so it is merged after it.
	for _, v := range []struct{ name, key string }{
		{otelEndpoint, "otlp_endpoint"}, {otelTracesEndpoint, "otlp_endpoint"},
		{otelProtocol, "otlp_protocol"}, {otelTracesProtocol, "otlp_protocol"},
	} {
		if value := vars[v.name]; value != "" {
			m := map[string]any{v.key: value}
			if err := merge(confmap.Provider(m, delim), nil, func(string) string { return v.name }); err != nil {
				return Config{}, nil, fmt.Errorf("config: %s: %s", v.name, oneLine(err))
			}
		}
	}
	// The environment is not ours alone: only MONHOOK_<KEY> of a known key is read, any other is left alone.
	envKeys := env.Provider(delim, env.Opt{
		Prefix:      envPrefix,
		EnvironFunc: environ,
		TransformFunc: func(name, value string) (string, any) {
			key := strings.ToLower(strings.TrimPrefix(name, envPrefix))
			if _, ok := keyOf(key); !ok && renamed[key] == "" || name != envName(key) {
				return "", nil
			}
			return key, value
		},
	})
	if err := merge(envKeys, nil, envName); err != nil {
		return Config{}, nil, fmt.Errorf("config: environment: %s", oneLine(err))
	}
	// A nil Koanf makes posflag skip every flag the user did not set, so flag defaults never mask lower layers.
	flags := posflag.ProviderWithFlag(fs, delim, nil, func(f *pflag.Flag) (string, any) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if _, ok := keyOf(key); !ok && renamed[key] == "" {
			return "", nil // --config, --help and flags of other packages
		}
		return key, posflag.FlagVal(fs, f)
	})
	if err := merge(flags, nil, func(key string) string { return "--" + flagName(key) }); err != nil {
		return Config{}, nil, fmt.Errorf("config: flags: %s", oneLine(err))
	}

	err = k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(unitlessDuration, mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.TextUnmarshallerHookFunc()),
		WeaklyTypedInput: true, // env values are strings
		ErrorUnused:      true, // loadFile names the culprit first; this keeps any other stray key from passing silently
	}})
	if err != nil {
		var de *mapstructure.DecodeError
		if errors.As(err, &de) {
			if _, ok := keyOf(de.Name()); ok {
				return Config{}, nil, bad(de.Name(), k.Get(de.Name()), from, oneLine(de.Unwrap()))
			}
		}
		return Config{}, nil, fmt.Errorf("config: %s", oneLine(err))
	}
	return cfg, warn, cfg.check(from)
}

// environment reads "NAME=value" pairs into a map.
func environment(vars []string) map[string]string {
	out := make(map[string]string, len(vars))
	for _, kv := range vars {
		if name, value, ok := strings.Cut(kv, "="); ok {
			out[name] = value
		}
	}
	return out
}

// loadFile merges the configuration file: --config, else $MONHOOK_CONFIG, else DefaultPath if it exists,
// rejecting keys Config lacks. A file named explicitly must exist.
func loadFile(fs *pflag.FlagSet, fromEnv string, merge func(koanf.Provider, koanf.Parser, func(string) string) error) error {
	path, named := DefaultPath, ""
	if f := fs.Lookup(configFlag); f != nil && f.Changed {
		path, named = f.Value.String(), "--"+configFlag
	} else if fromEnv != "" {
		path, named = fromEnv, configEnv
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if named != "" {
			return fmt.Errorf("config: %s %q: no such file", named, path)
		}
		return nil
	}
	// A typo in the file must not silently fall back to a default: read it alone first, keys checked.
	probe := koanf.New(delim)
	if err := probe.Load(file.Provider(path), yaml.Parser()); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return fmt.Errorf("config: %s: %s", path, oneLine(err))
	}
	for _, key := range probe.Keys() {
		if _, ok := keyOf(key); !ok && renamed[key] == "" {
			return fmt.Errorf("config: %s: unknown key %q", path, key)
		}
	}
	return merge(file.Provider(path), yaml.Parser(), func(string) string { return path })
}

// unitlessDuration refuses a bare number for a duration: mapstructure would read a YAML 20 as 20ns, not 20s.
func unitlessDuration(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Duration]() || from == to {
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

// validate is built once: validator/v10 caches parsed tags per instance.
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.SetTagName("validate")
	for tag, check := range map[string]func(string) string{"hostport": checkListen, "endpoint": checkEndpoint} {
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return check(fl.Field().String()) == "" }); err != nil {
			panic(err) // tags are constants; a failure here is a programming error
		}
	}
	return v
}()

// check runs the validate tags and spells the first failure, in key order, as bad does.
func (c Config) check(from map[string]string) error {
	err := validate.Struct(c)
	var fes validator.ValidationErrors
	if !errors.As(err, &fes) {
		return err
	}
	fe := fes[0]
	sf, _ := reflect.TypeFor[Config]().FieldByName(fe.StructField())
	key := sf.Tag.Get("koanf")
	return bad(key, fe.Value(), from, reason(key, fe))
}

// reason says in words what fe's rule wants.
func reason(key string, fe validator.FieldError) string {
	switch fe.Tag() {
	case "gt":
		return "must be positive"
	case "gte":
		if key == "memory_limit" {
			return "must be 0 (automatic) or a number of bytes"
		}
		if fe.Param() == "0" {
			return "must not be negative"
		}
		return "must be at least " + fe.Param() // gRPC raises a keepalive time under 1s to 1s: refusing it keeps the configuration truthful
	case "lte":
		if key == "max_answer_bytes" {
			return "must be at most " + fe.Param() + ", what Cloudforet's client receives"
		}
		return "must be at most " + fe.Param()
	case "ltefield":
		return "must be at most max_answer_bytes"
	case "oneof":
		if key == "compression" {
			return `want "" (none) or gzip`
		}
		return "want " + strings.ReplaceAll(fe.Param(), " ", " or ")
	case "hostport":
		return checkListen(fmt.Sprint(fe.Value()))
	case "endpoint":
		return checkEndpoint(fmt.Sprint(fe.Value()))
	}
	return "breaks rule " + fe.Tag()
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
