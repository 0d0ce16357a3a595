package option

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// field is what the decoder, the validator and the schema read from one struct field's tags.
type field struct {
	index int
	name  string // the json name: the option's key
	omit  bool   // json omitempty: Document leaves the field out when empty
	rules string // validator/v10 tag
	doc   string
	typ   reflect.Type
	// required: its rules start with "required", so its absence is a violation of its own.
	required bool
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf reads t's tags once; the options types are fixed, so the table is built once per process.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	fs := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		rules := sf.Tag.Get("validate")
		own, _, _ := splitRules(rules)
		fs = append(fs, field{index: i, name: name, omit: opts == "omitempty", rules: rules,
			doc: sf.Tag.Get("doc"), typ: sf.Type, required: slices.Contains(own, "required")})
	}
	fieldCache.Store(t, fs)
	return fs
}

// decodeStruct fills the struct dst points to from raw, key by key, recording a violation for every unknown key,
// wrong type and broken rule instead of stopping at the first. Absent keys keep dst's values (the defaults).
func decodeStruct(key string, raw map[string]any, dst any, vs *[]Violation) {
	v := reflect.ValueOf(dst).Elem()
	fs := fieldsOf(v.Type())
	for name, value := range raw {
		i := indexOf(fs, name)
		if i < 0 {
			*vs = append(*vs, Violation{Kind: NotSupported, Key: key + "." + name})
			continue
		}
		f := fs[i]
		// A map drops only its mistyped entries, so the rest can still be checked; a list keeps zero values in
		// their place, which would read as false violations.
		ok := decodeValue(key+"."+name, value, v.Field(f.index), vs)
		if (ok || f.typ.Kind() == reflect.Map) && f.rules != "" {
			*vs = append(*vs, check(key+"."+name, v.Field(f.index), f.rules)...)
		}
	}
	for _, f := range fs {
		if f.required {
			if _, present := raw[f.name]; !present {
				*vs = append(*vs, Violation{Kind: Required, Key: key + "." + f.name})
			}
		}
	}
}

func indexOf(fs []field, name string) int {
	for i, f := range fs {
		if f.name == name {
			return i
		}
	}
	return -1
}

// decodeValue sets dst from raw when raw has dst's type, and reports whether it did. A Struct number is a
// float64 and a list is []any, as google.protobuf.Struct decodes them; null has no type an option accepts.
func decodeValue(key string, raw any, dst reflect.Value, vs *[]Violation) bool {
	switch dst.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			*vs = append(*vs, Violation{Kind: InvalidType, Key: key, Want: TypeStr})
			return false
		}
		dst.SetString(s)
		return true
	case reflect.Slice:
		list, ok := raw.([]any)
		if !ok {
			*vs = append(*vs, Violation{Kind: InvalidType, Key: key, Want: TypeList})
			return false
		}
		out := reflect.MakeSlice(dst.Type(), len(list), len(list))
		ok = true
		for i, item := range list {
			ok = decodeValue(key+"["+strconv.Itoa(i)+"]", item, out.Index(i), vs) && ok
		}
		dst.Set(out)
		return ok
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			*vs = append(*vs, Violation{Kind: InvalidType, Key: key, Want: TypeDict})
			return false
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		elem := reflect.New(dst.Type().Elem()).Elem()
		ok = true
		for k, item := range m {
			elem.SetZero()
			if decodeValue(key+"."+k, item, elem, vs) {
				out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), elem)
			} else {
				ok = false
			}
		}
		dst.Set(out)
		return ok
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return decodeValue(key, raw, dst.Elem(), vs)
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			*vs = append(*vs, Violation{Kind: InvalidType, Key: key, Want: TypeDict})
			return false
		}
		n := len(*vs)
		decodeStruct(key, m, dst.Addr().Interface(), vs)
		return len(*vs) == n
	}
	panic("option: no decoder for " + dst.Type().String()) // a new option type without a case is a programming error
}
