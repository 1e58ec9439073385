package config

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// position is where a value was written in the file.
type position struct{ line, col int }

// maxNodes bounds the work spent on one file, so that aliases that expand
// exponentially ("billion laughs") cannot hang the parser.
const maxNodes = 100000

// maxDepth bounds nesting; the schema is at most four levels deep.
const maxDepth = 32

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

var durationType = reflect.TypeFor[time.Duration]()

type decoder struct {
	f     *File
	errs  *ErrorList
	nodes int
}

// decodeYAML reads data onto f, recording the position of every value and
// reporting unknown fields and type errors into errs. It returns false when
// the file is not YAML at all (or is too complex to read).
func decodeYAML(data []byte, f *File, errs *ErrorList) bool {
	var root yaml.Node
	if err := safeUnmarshal(data, &root); err != nil {
		errs.add(syntaxError(f.Name, err))
		return false
	}
	if root.Kind == 0 {
		return true // empty file: all defaults
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return true
		}
		doc = doc.Content[0]
	}
	d := &decoder{f: f, errs: errs}
	if doc.Kind == yaml.ScalarNode && doc.ShortTag() == "!!null" {
		return true
	}
	d.value(doc, reflect.ValueOf(f).Elem(), "", 0)
	return d.nodes <= maxNodes
}

// safeUnmarshal turns a panic inside the YAML library into an error: a bad
// configuration file must never take the daemon or the CLI down.
func safeUnmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	return yaml.Unmarshal(data, n)
}

func syntaxError(file string, err error) *FieldError {
	msg := err.Error()
	fe := &FieldError{File: file, Msg: msg}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Msg = "yaml syntax: " + m[2]
	} else {
		fe.Msg = "yaml syntax: " + strings.TrimPrefix(msg, "yaml: ")
	}
	return fe
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	d.errs.add(&FieldError{File: d.f.Name, Line: n.Line, Column: n.Column, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "a YAML document"
}

// value decodes node n into v; path names the field for messages.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, depth int) {
	d.nodes++
	if d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.errorf(n, path, "file too complex (more than %d values after expanding aliases)", maxNodes)
		}
		return
	}
	if depth > maxDepth {
		d.errorf(n, path, "nested too deeply")
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.errorf(n, path, "unknown alias")
			return
		}
		// Errors inside an alias point at the alias, not the anchor.
		an := *n.Alias
		an.Line, an.Column = n.Line, n.Column
		d.value(&an, v, path, depth+1)
		return
	}
	if path != "" {
		d.f.pos[path] = position{n.Line, n.Column}
	}
	isNull := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"

	switch {
	case v.Type() == durationType:
		if isNull {
			v.SetInt(0)
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a duration such as 4s or 1500ms, got %s", kindName(n))
			return
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			d.errorf(n, path, "%q is not a duration (write it with a unit, e.g. 4s or 1500ms)", n.Value)
			return
		}
		v.SetInt(int64(dur))
		return
	}

	switch v.Kind() {
	case reflect.Struct:
		if isNull {
			return // "sim:" with nothing under it keeps the defaults
		}
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "expected a mapping of settings, got %s", kindName(n))
			return
		}
		d.mapping(n, v, path, depth)
	case reflect.Slice:
		if isNull {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "expected a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			e := s.Index(i)
			if def, ok := e.Addr().Interface().(interface{ setDefaults() }); ok {
				def.setDefaults()
			}
			d.value(c, e, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	case reflect.String:
		if isNull {
			v.SetString("")
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a string, got %s", kindName(n))
			return
		}
		// Unquoted numbers are fine where a string is wanted (user: 2001).
		v.SetString(n.Value)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.errorf(n, path, "expected an integer, got %s", kindName(n))
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
		if err != nil {
			d.errorf(n, path, "%s is not a usable integer", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		var x float64
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&x) != nil {
			d.errorf(n, path, "expected a number, got %s", kindName(n))
			return
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			d.errorf(n, path, "%s is not a finite number", n.Value)
			return
		}
		v.SetFloat(x)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.errorf(n, path, "expected true or false, got %s", kindName(n))
			return
		}
		v.SetBool(b)
	default:
		d.errorf(n, path, "unsupported setting type %s", v.Type())
	}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, depth int) {
	t := v.Type()
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		field := key
		if path != "" {
			field = path + "." + key
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "a key must be a plain name, got %s", kindName(k))
			continue
		}
		if seen[key] {
			d.errorf(k, field, "set twice")
			continue
		}
		seen[key] = true
		idx := fieldIndex(t, key)
		if idx < 0 {
			d.errorf(k, field, "unknown field%s", suggest(t, key))
			continue
		}
		d.value(val, v.Field(idx), field, depth+1)
	}
}

// fieldIndex finds the struct field whose yaml tag is key.
func fieldIndex(t reflect.Type, key string) int {
	for i := range t.NumField() {
		if tag := yamlName(t.Field(i)); tag != "" && tag == key {
			return i
		}
	}
	return -1
}

func yamlName(sf reflect.StructField) string {
	if !sf.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}

// suggest names the valid keys so a typo is easy to fix.
func suggest(t reflect.Type, key string) string {
	var names []string
	for i := range t.NumField() {
		if tag := yamlName(t.Field(i)); tag != "" {
			if strings.EqualFold(tag, key) || strings.EqualFold(strings.ReplaceAll(tag, "_", ""), strings.ReplaceAll(strings.ReplaceAll(key, "-", ""), "_", "")) {
				return fmt.Sprintf(" (did you mean %q?)", tag)
			}
			names = append(names, tag)
		}
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}
