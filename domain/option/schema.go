package option

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/monhook/monhook/domain/event"
)

// SchemaDraft is the JSON Schema dialect Schema is written in. The schema does not name it in "$schema": Cloudforet
// stores init's metadata in a MongoDB document, which refuses any key that starts with '$', so the schema uses no
// '$' keyword at all ($schema, $id, $ref, $defs), as Cloudforet's own plugins publish theirs.
const SchemaDraft = "http://json-schema.org/draft-07/schema#"

// storableKeyPattern is event.StorableKey as the published schema states it.
const storableKeyPattern = `^[^.$\x00][^.\x00]*$`

// Schema returns the options document's JSON Schema (draft-07), derived from the same struct tags that Parse
// checks. It is built once; callers must not modify it.
func Schema() map[string]any { return schema() }

var schema = sync.OnceValue(func() map[string]any {
	s := schemaOf(reflect.TypeFor[Options](), "")
	s["title"] = "monhook webhook options"
	defaults := Defaults().Document()
	props := s["properties"].(map[string]any)
	for name, v := range defaults {
		props[name].(map[string]any)["default"] = v
	}
	return plainJSON(s)
})

// plainJSON re-reads v as encoding/json would decode it (maps, []any, strings, float64s, bools), the only shapes
// a transport needs to know how to write.
func plainJSON(v map[string]any) map[string]any {
	var out map[string]any
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic(err) // the schema is built from constants; failing to encode it is a programming error
	}
	return out
}

// schemaOf states type t under validator rules as JSON Schema. Each rule in use maps to one keyword, and a rule
// without a keyword panics, so a new rule cannot silently go unpublished.
func schemaOf(t reflect.Type, rules string) map[string]any {
	own, elem, keys := splitRules(rules)
	s := map[string]any{}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), rules)
	case reflect.String:
		s["type"] = "string"
	case reflect.Slice:
		s["type"] = "array"
		s["items"] = schemaOf(t.Elem(), elem)
	case reflect.Map:
		s["type"] = "object"
		s["additionalProperties"] = schemaOf(t.Elem(), elem)
		if keys != "" {
			s["propertyNames"] = schemaOf(t.Key(), keys)
		}
	case reflect.Struct:
		s["type"] = "object"
		s["additionalProperties"] = false
		props := map[string]any{}
		var required []string
		for _, f := range fieldsOf(t) {
			p := schemaOf(f.typ, f.rules)
			p["description"] = f.doc
			props[f.name] = p
			if f.required {
				required = append(required, f.name)
			}
		}
		s["properties"] = props
		if len(required) > 0 {
			s["required"] = required
		}
	}
	if t == reflect.TypeFor[Secret]() {
		s["writeOnly"] = true // draft-07's hint that a UI should not show the value back
	}
	for _, r := range own {
		name, param, _ := strings.Cut(r, "=")
		switch name {
		case "source":
			s["enum"] = sourceValues()
		case "severity":
			s["enum"] = event.Severities()
		case "path":
			s["pattern"] = "^" + pathPattern + "$"
		case "template":
			s["pattern"] = templatePattern
		case "key":
			s["pattern"] = storableKeyPattern
		case "zone":
			// The zone database cannot be a pattern: the schema states its shape, the description the rest.
			s["pattern"] = `^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`
		case "topic":
			s["pattern"] = topicPattern
		case "notmask":
			s["not"] = map[string]any{"const": SecretMask}
		case "oneof":
			s["enum"] = strings.Fields(param)
		case "required":
			// Stated on the enclosing object's "required"; a present value's own rules (pattern, minLength) refuse "".
		case "unique":
			s["uniqueItems"] = true
		case "max", "min":
			n, err := strconv.Atoi(param)
			if err != nil {
				panic("option: rule " + r + " needs a number")
			}
			s[sizeKeyword(name, t.Kind())] = n
		default:
			panic("option: rule " + r + " has no JSON Schema keyword")
		}
	}
	return s
}

// splitRules separates a validator tag into the rules of the value itself, of each element (after "dive") and of
// each map key (between "keys" and "endkeys").
func splitRules(rules string) (own []string, elem, keys string) {
	parts := strings.Split(rules, ",")
	for i, r := range parts {
		if r == "dive" {
			rest := parts[i+1:]
			if len(rest) > 0 && rest[0] == "keys" {
				end := slices.Index(rest, "endkeys")
				keys, rest = strings.Join(rest[1:end], ","), rest[end+1:]
			}
			return own, strings.Join(rest, ","), keys
		}
		if r != "" {
			own = append(own, r)
		}
	}
	return own, "", ""
}

func sizeKeyword(rule string, k reflect.Kind) string {
	suffix := map[reflect.Kind]string{reflect.Slice: "Items", reflect.Map: "Properties", reflect.String: "Length"}[k]
	return rule + suffix
}
