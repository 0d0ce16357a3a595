package option

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/monhook/monhook/domain/event"
)

// validate is built once: validator/v10 caches parsed tags per instance.
var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	must := func(tag string, ok func(string) bool) {
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) }); err != nil {
			panic(err) // tags are constants; a failure here is a programming error
		}
	}
	must("source", func(s string) bool { return Source(s).Valid() })
	must("severity", func(s string) bool { return event.Severity(s).Valid() })
	must("path", func(s string) bool { _, err := Path(s).Segments(); return err == nil })
	must("template", func(s string) bool { _, err := Template(s).Parts(); return err == nil })
	must("key", event.StorableKey)
	must("zone", func(s string) bool { _, err := LoadZone(s); return s == "" || err == nil })
	must("topic", func(s string) bool { return TopicPattern(s).Valid() })
	must("notmask", func(s string) bool { return s != SecretMask })
	return v
})

// check runs rules on one decoded field and spells each failure as a Violation under key.
func check(key string, v reflect.Value, rules string) []Violation {
	err := validate().Var(v.Interface(), rules)
	var fes validator.ValidationErrors
	if !errors.As(err, &fes) {
		if err != nil {
			panic(err) // only ValidationErrors can come from valid constant rules
		}
		return nil
	}
	out := make([]Violation, 0, len(fes))
	for _, fe := range fes {
		out = append(out, Violation{Kind: Invalid, Key: elementKey(key, v.Kind(), fe.Namespace()), Reason: reason(fe)})
	}
	return out
}

// elementKey turns validator's "[x]" suffix for a dived element into our key: "key[0]" for a list, "key.x" for a
// map, as the decoder spells them.
func elementKey(key string, kind reflect.Kind, ns string) string {
	i := strings.IndexByte(ns, '[')
	if i < 0 || !strings.HasSuffix(ns, "]") {
		return key
	}
	elem := ns[i+1 : len(ns)-1]
	if kind == reflect.Map {
		return key + "." + elem
	}
	return key + "[" + elem + "]"
}

// reason says in words what fe's rule wants.
func reason(fe validator.FieldError) string {
	got := fe.Value()
	switch fe.Tag() {
	case "source":
		return fmt.Sprintf("%s is not a source; use one of %s", quoteShort(fmt.Sprint(got)), joinValues(sourceValues()))
	case "severity":
		return fmt.Sprintf("%s is not a severity; use one of %s", quoteShort(fmt.Sprint(got)), joinValues(event.Severities()))
	case "path":
		_, err := Path(fmt.Sprint(got)).Segments()
		return err.Error()
	case "template":
		_, err := Template(fmt.Sprint(got)).Parts()
		return err.Error()
	case "oneof":
		return fmt.Sprintf("%s is not one of %s", quoteShort(fmt.Sprint(got)), strings.Join(strings.Fields(fe.Param()), ", "))
	case "topic":
		return fmt.Sprintf("%s is not an SNS topic ARN, arn:<partition>:sns:<region>:<account>:<topic>, where a segment may hold * wildcards", quoteShort(fmt.Sprint(got)))
	case "notmask":
		return "is " + SecretMask + ", the mask init's metadata shows in place of a secret, not the secret: send the secret itself"
	case "required":
		return "must not be empty"
	case "unique":
		return "must not repeat an entry"
	case "max":
		switch fe.Kind() {
		case reflect.Slice:
			return "must have at most " + fe.Param() + " entries"
		case reflect.Map:
			return "must have at most " + fe.Param() + " keys"
		}
		return "must be at most " + fe.Param() + " characters long"
	case "min":
		return "must be at least " + fe.Param() + " characters long"
	case "key":
		return keyReason(fmt.Sprint(got))
	case "zone":
		return fmt.Sprintf("%s is not a time zone of the IANA database, such as UTC or Europe/Berlin", quoteShort(fmt.Sprint(got)))
	}
	return "breaks rule " + fe.Tag() // unreachable while every tag in use has a case above
}

// keyReason says why k is not a key Cloudforet can store and route (event.StorableKey).
func keyReason(k string) string {
	switch {
	case k == "":
		return "keys must not be empty"
	case strings.HasPrefix(k, "$"):
		return "key " + quoteShort(k) + " starts with '$', which Cloudforet's database refuses"
	case strings.Contains(k, "."):
		return "key " + quoteShort(k) + " holds '.', which Cloudforet's event rules split key paths on"
	}
	return "key " + quoteShort(k) + " holds a NUL character, which Cloudforet's database refuses"
}

func joinValues[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// checkSeverityKeys rejects severity_map keys that are one level once case is folded (event.FoldLevel, full
// Unicode folding: "ſev" is "sev", "µ" is "μ"): levels are matched in that form, so such keys would contradict
// each other. JSON Schema cannot state this rule; the schema's description does.
func checkSeverityKeys(m map[string]event.Severity) []Violation {
	seen := make(map[string]string, len(m))
	var vs []Violation
	for _, k := range sortedKeys(m) {
		folded := event.FoldLevel(k)
		if first, dup := seen[folded]; dup {
			vs = append(vs, Violation{Kind: Invalid, Key: rootKey + ".severity_map." + k,
				Reason: fmt.Sprintf("keys are matched case-insensitively and %s repeats %s", quoteShort(k), quoteShort(first))})
			continue
		}
		seen[folded] = k
	}
	return vs
}
