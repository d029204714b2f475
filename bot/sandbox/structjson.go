package sandbox

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"
)

// The saved workspace (see KeepState) holds the sandbox's own structs,
// whose fields are unexported. encodeFields and decodeFields write and read
// every field of them, exported or not, keyed by field name, so that a field
// added to a message or a view is kept across restarts without more code.
// A field tagged `persist:"-"` is left out: it must be derived from the
// others after loading (an index such as conversation.byTS).
//
// Values are written as encoding/json would write them, except that structs
// (and pointers to them, slices and maps of them) are walked field by field.
// Types with their own JSON form (json.RawMessage, time.Time) keep it;
// interfaces are written as their dynamic value and read back as
// encoding/json reads into an interface (maps, slices, float64, …).

// encodeFields returns v as JSON with every struct field written.
func encodeFields(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	tree, err := fieldTree(rv, map[uintptr]bool{})
	if err != nil {
		return nil, err
	}
	return json.Marshal(tree)
}

// decodeFields reads JSON written by encodeFields into the value ptr
// points to. Fields missing from the JSON keep their zero value; names the
// struct no longer has are ignored.
func decodeFields(data []byte, ptr any) error {
	rv := reflect.ValueOf(ptr)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decode: want a non-nil pointer, got %T", ptr)
	}
	return fillFields(data, rv.Elem())
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// exposed returns v with the read-only mark of unexported fields removed,
// so that it can be read and set. v must be addressable.
func exposed(v reflect.Value) reflect.Value {
	if v.CanInterface() && v.CanSet() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// addressable returns v itself when it is addressable, else a copy that is.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

// fieldTree turns v into values json.Marshal writes as wanted.
func fieldTree(v reflect.Value, path map[uintptr]bool) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	if v.Type().Implements(jsonMarshaler) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, nil
		}
		return v.Interface(), nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		p := v.Pointer()
		if path[p] {
			return nil, fmt.Errorf("%s refers back to itself", v.Type())
		}
		path[p] = true
		defer delete(path, p)
		return fieldTree(v.Elem(), path)
	case reflect.Struct:
		v = addressable(v)
		out := make(map[string]any, v.NumField())
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Tag.Get("persist") == "-" {
				continue
			}
			val, err := fieldTree(exposed(v.Field(i)), path)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
			}
			out[f.Name] = val
		}
		return out, nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && (v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8) {
			return v.Interface(), nil
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			val, err := fieldTree(v.Index(i), path)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: only string keys can be saved", v.Type())
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			val, err := fieldTree(it.Value(), path)
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = val
		}
		return out, nil
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return nil, fmt.Errorf("a %s cannot be saved", v.Type())
	}
	return v.Interface(), nil
}

// fillFields reads data into v, which must be settable.
func fillFields(data []byte, v reflect.Value) error {
	if string(data) == "null" {
		v.SetZero()
		return nil
	}
	if reflect.PointerTo(v.Type()).Implements(jsonUnmarshaler) {
		return json.Unmarshal(data, v.Addr().Interface())
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := fillFields(data, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil {
			return fmt.Errorf("%s: %w", v.Type(), err)
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			raw, ok := fields[f.Name]
			if !ok || f.Tag.Get("persist") == "-" {
				continue
			}
			if err := fillFields(raw, exposed(v.Field(i))); err != nil {
				return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
			}
		}
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			break
		}
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return fmt.Errorf("%s: %w", v.Type(), err)
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, raw := range items {
			if err := fillFields(raw, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		var items map[string]json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return fmt.Errorf("%s: %w", v.Type(), err)
		}
		m := reflect.MakeMapWithSize(v.Type(), len(items))
		for k, raw := range items {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := fillFields(raw, e); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	}
	return json.Unmarshal(data, v.Addr().Interface())
}
