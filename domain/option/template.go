package option

import (
	"fmt"
	"strings"
)

// MaxTemplateLength bounds a template, in characters.
const MaxTemplateLength = 4096

// Template is text with "{{ path }}" placeholders: the subset of Jinja that Cloudforet api-direct users write.
// Anything else between "{{" and "}}", and Jinja's "{%" and "{#", are rejected rather than passed through as text,
// so a template never silently renders something other than what its author meant.
type Template string

// Part is one piece of a template: literal Text, or a placeholder for the value at Path.
type Part struct {
	Text string
	Path Path
}

// templateSpace is the white space allowed around a placeholder's path; the schema's pattern uses the same set,
// since regexp engines disagree on what \s means.
const templateSpace = " \t\n\r"

// templatePattern is the grammar Parts implements, as the published schema states it: text without "{{", "{%"
// or "{#", and placeholders.
var templatePattern = fmt.Sprintf(`^(?:[^{]|\{[^{%%#]|\{$|\{\{[%[1]s]*%[2]s[%[1]s]*\}\})*$`, `\t\n\r `, pathPattern)

// Parts splits t into literal text and placeholders, or says what in it is not a placeholder.
func (t Template) Parts() ([]Part, error) {
	s := string(t)
	var parts []Part
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 || i+j+1 >= len(s) {
			parts = append(parts, Part{Text: s[i:]})
			break
		}
		j += i
		switch s[j+1] {
		case '%', '#':
			return nil, fmt.Errorf("%q at offset %d: Jinja statements and comments are not supported, only {{ path }} placeholders", s[j:j+2], j)
		case '{':
		default:
			parts = append(parts, Part{Text: s[i : j+1]})
			i = j + 1
			continue
		}
		if j > i {
			parts = append(parts, Part{Text: s[i:j]})
		}
		k := strings.Index(s[j+2:], "}}")
		if k < 0 {
			return nil, fmt.Errorf("\"{{\" at offset %d is never closed by \"}}\"", j)
		}
		inner := s[j+2 : j+2+k]
		p := Path(strings.Trim(inner, templateSpace))
		if _, err := p.Segments(); err != nil {
			return nil, fmt.Errorf("%s at offset %d is not a {{ path }} placeholder: %w", quoteShort("{{"+inner+"}}"), j, err)
		}
		parts = append(parts, Part{Path: p})
		i = j + 2 + k + 2
	}
	return mergeText(parts), nil
}

// mergeText joins adjacent literal parts: the scan above splits text at every lone '{'.
func mergeText(parts []Part) []Part {
	out := parts[:0]
	for _, p := range parts {
		if n := len(out); n > 0 && p.Path == "" && out[n-1].Path == "" {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

// quoteShort quotes s for a message, cut so that an error never echoes a long value back.
func quoteShort(s string) string {
	const limit = 60
	if r := []rune(s); len(r) > limit {
		return fmt.Sprintf("%q…", string(r[:limit]))
	}
	return fmt.Sprintf("%q", s)
}
