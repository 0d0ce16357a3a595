package trust

import (
	"crypto/sha256"
	"crypto/subtle"
	"maps"
	"slices"
	"strconv"

	"github.com/monhook/monhook/domain/option"
)

// SecretError says a body does not carry options.body_secret: the text at its path is missing (or not text), or
// is another. It never holds either value.
type SecretError struct {
	Path    option.Path
	Missing bool
}

func (e *SecretError) Error() string {
	what := "does not match options.body_secret.value"
	if e.Missing {
		what = "is missing or is not text"
	}
	return "The body's secret at " + shorten(string(e.Path)) + " (options.body_secret.path) " + what + "."
}

// maxSecretBytes is the most a body_secret value can take in UTF-8 (256 characters of up to 4 bytes): a longer text
// cannot match, so it is refused without being hashed.
const maxSecretBytes = 4 * 256

// CheckSecret holds body to options.body_secret, when set: the text at its path must equal its value. It compares
// SHA-256 digests in constant time, so neither the length nor any prefix of the secret shows in the time a refusal
// takes. It returns body without that field (the maps and lists on the path are copied; body is not modified), so
// the secret reaches no event, template or log.
func CheckSecret(s *option.BodySecret, body map[string]any) (map[string]any, error) {
	if s == nil {
		return body, nil
	}
	segs, err := s.Path.Segments()
	if err != nil { // option.Parse has checked it; refusing keeps an unchecked path from ever passing
		return nil, &SecretError{Path: s.Path, Missing: true}
	}
	rest, found, ok := take(body, segs)
	got, isText := found.(string)
	if !ok || !isText {
		return nil, &SecretError{Path: s.Path, Missing: true}
	}
	want := sha256.Sum256([]byte(s.Value.Reveal()))
	if len(got) > maxSecretBytes {
		got = "" // cannot match; hashed all the same, so a long text takes no longer to refuse
	}
	have := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(have[:], want[:]) != 1 {
		return nil, &SecretError{Path: s.Path}
	}
	return rest.(map[string]any), nil
}

// take returns a copy of v without the object key at the end of segs, with the value it held. The secret must be
// a key of an object, not an element of a list: removing an element would shift its siblings' indexes.
func take(v any, segs []string) (rest, found any, ok bool) {
	switch n := v.(type) {
	case map[string]any:
		child, present := n[segs[0]]
		if !present {
			return v, nil, false
		}
		c := maps.Clone(n)
		if len(segs) == 1 {
			delete(c, segs[0])
			return c, child, true
		}
		if c[segs[0]], found, ok = take(child, segs[1:]); !ok {
			return v, nil, false
		}
		return c, found, true
	case []any:
		i, err := strconv.Atoi(segs[0])
		if err != nil || i < 0 || i >= len(n) || len(segs) == 1 {
			return v, nil, false
		}
		c := slices.Clone(n)
		if c[i], found, ok = take(n[i], segs[1:]); !ok {
			return v, nil, false
		}
		return c, found, true
	}
	return v, nil, false
}
