package sourcekit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/monhook/monhook/domain/event"
)

// HashKey hashes parts into an event key: SHA-256 over each part after its length, so no two lists of parts hash
// alike ("ab"+"c" is not "a"+"bc"), the first 16 bytes in hex. Sources added since 1.0 build their keys with it.
func HashKey(parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// JoinedKey hashes parts joined by newlines, the first 16 bytes of the SHA-256 in hex. It is the key of the
// sources that had keys before HashKey, kept byte for byte so that alerts opened before an upgrade still pair.
func JoinedKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:16])
}

// Levels is a table from a source's own levels, folded as event.FoldLevel folds them, to severities.
type Levels map[string]event.Severity

// Of is the severity of level, or "" when the table does not know it (severity_map and default_severity decide).
func (l Levels) Of(level string) event.Severity { return l[event.FoldLevel(level)] }

// Lookup is Of that also says whether the table knows level.
func (l Levels) Lookup(level string) (event.Severity, bool) {
	s, ok := l[event.FoldLevel(level)]
	return s, ok
}

// unrendered are the forms of a template variable its tool left as written: Datadog's $ALERT_ID and $TAGS[env],
// AppDynamics' ${latestEvent.id}, Zabbix's {EVENT.ID} and {$MACRO}, Jinja's {{ x }}.
var unrendered = regexp.MustCompile(`^(?:\$[A-Z][A-Z0-9_]*(?:\[[^\]]*\])?|\$\{[A-Za-z_][A-Za-z0-9_.]*\}|\{\$?[A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)*\}|\{\{\s*[A-Za-z_][A-Za-z0-9_.]*\s*\}\})$`)

// Unrendered reports whether s, trimmed, is a template variable its tool did not fill in, which says nothing about
// the alert.
func Unrendered(s string) bool { return unrendered.MatchString(strings.TrimSpace(s)) }

// Filled is v as trimmed text, or "" when it is a template variable its tool left unfilled (Graylog's ${event.key},
// Jira's {{issue.key}}, a Jenkins note's $MACRO, OCI Monitoring's {{metricValues}}): such a value says nothing about
// the alert, so it counts as absent.
func Filled(v any) string {
	s := strings.TrimSpace(Text(v))
	if Unrendered(s) {
		return ""
	}
	return s
}
