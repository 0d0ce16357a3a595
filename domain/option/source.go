package option

import (
	"slices"

	"github.com/monhook/monhook/domain/source"
)

// Source names the payload format that Event.parse reads: Auto, or the name of a format in the source registry.
type Source string

// Auto detects the source of each payload.
const Auto Source = "auto"

// Sources lists every concrete payload format, in the registry's (detection) order.
func Sources() []Source {
	names := source.Names()
	out := make([]Source, len(names))
	for i, n := range names {
		out[i] = Source(n)
	}
	return out
}

// sourceValues is what the source option accepts: Auto, then Sources.
func sourceValues() []Source { return append([]Source{Auto}, Sources()...) }

// Valid reports whether s is a value the source option accepts.
func (s Source) Valid() bool { return s == Auto || slices.Contains(source.Names(), string(s)) }
