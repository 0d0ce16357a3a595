package option

import (
	"fmt"
	"strings"
)

// MaxPathSegments bounds a path's depth, so a path can never walk further into a payload than any real source nests.
const MaxPathSegments = 16

// Path is a dotted path into a payload, such as "alerts.0.labels.severity": segments of letters, digits, '_' and
// '-' joined by '.'. A numeric segment indexes a list.
type Path string

// pathPattern is the grammar ParsePath implements, as the published schema states it.
var pathPattern = fmt.Sprintf(`%[1]s+(?:\.%[1]s+){0,%[2]d}`, segmentClass, MaxPathSegments-1)

const segmentClass = `[A-Za-z0-9_-]`

// Segments splits p, or says why it is not a path.
func (p Path) Segments() ([]string, error) {
	s := string(p)
	if s == "" {
		return nil, fmt.Errorf("path is empty")
	}
	segs := strings.Split(s, ".")
	if len(segs) > MaxPathSegments {
		return nil, fmt.Errorf("path has %d segments; at most %d are allowed", len(segs), MaxPathSegments)
	}
	offset := 0
	for i, seg := range segs {
		if seg == "" {
			return nil, fmt.Errorf("path segment %d is empty (a path is segments joined by single dots)", i+1)
		}
		for j, r := range seg {
			if !isSegmentRune(r) {
				return nil, fmt.Errorf("path has %q at offset %d; segments hold only letters, digits, '_' and '-'", r, offset+j)
			}
		}
		offset += len(seg) + 1
	}
	return segs, nil
}

func isSegmentRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}
