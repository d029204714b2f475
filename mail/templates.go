package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"

	"github.com/owedhq/owed/collections"
)

//go:embed templates/*.tmpl
var builtin embed.FS

// The parts of a template, each a file NAME.PART.tmpl.
const (
	partSubject = "subject"
	partText    = "txt"
	partHTML    = "html"
)

var parts = []string{partSubject, partText, partHTML}

// TemplateInfo describes one template for `owed templates`.
type TemplateInfo struct {
	Name    string
	Purpose string
	// Files are where each part comes from: "built-in" or a file path.
	Files map[string]string
}

// Templates are the reminder templates: the built-in ones, with the files
// of a directory overriding any part of them.
type Templates struct {
	set map[string]*template
}

type template struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
	files   map[string]string
}

// LoadTemplates parses the built-in templates and the overrides in dir
// (empty: none), and checks each by rendering it with sample data: a
// template that does not parse, or that uses a field templates do not
// have, is an error naming the file and line.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{set: map[string]*template{}}
	for _, name := range collections.ReminderTemplates {
		t.set[name] = &template{files: map[string]string{}}
		for _, part := range parts {
			file := name + "." + part + ".tmpl"
			src, err := builtin.ReadFile("templates/" + file)
			if err != nil {
				return nil, fmt.Errorf("built-in template %s: %w", file, err)
			}
			if err := t.set[name].parse(part, "built-in "+file, string(src)); err != nil {
				return nil, err
			}
			t.set[name].files[part] = "built-in"
		}
	}
	if dir != "" {
		if err := t.override(dir); err != nil {
			return nil, err
		}
	}
	for _, name := range collections.ReminderTemplates {
		for _, d := range sampleData() {
			if _, err := t.set[name].render(d); err != nil {
				return nil, collections.Errorf(collections.EINVALID, "%s", err)
			}
		}
	}
	return t, nil
}

// override reads every NAME.PART.tmpl file of dir in place of the
// built-in part. Other .tmpl files are an error: a misspelt name would
// otherwise be ignored in silence.
func (t *Templates) override(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return collections.Errorf(collections.EINVALID, "OWED_TEMPLATES_DIR: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		name, part, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".tmpl"), ".")
		tm := t.set[name]
		if !ok || tm == nil || !validPart(part) {
			return collections.Errorf(collections.EINVALID, "%s: not a template file: names are TEMPLATE.PART.tmpl with TEMPLATE one of %s and PART one of %s",
				path, strings.Join(collections.ReminderTemplates, ", "), strings.Join(parts, ", "))
		}
		src, err := fs.ReadFile(os.DirFS(dir), e.Name())
		if err != nil {
			return collections.Errorf(collections.EINVALID, "%s: %v", path, err)
		}
		if err := tm.parse(part, path, string(src)); err != nil {
			return err
		}
		tm.files[part] = path
	}
	return nil
}

func validPart(p string) bool {
	for _, x := range parts {
		if p == x {
			return true
		}
	}
	return false
}

// parse parses one part of a template; file names it in errors.
func (tm *template) parse(part, file, src string) error {
	var err error
	switch part {
	case partSubject:
		tm.subject, err = texttemplate.New(file).Option("missingkey=error").Parse(src)
	case partText:
		tm.text, err = texttemplate.New(file).Option("missingkey=error").Parse(src)
	case partHTML:
		tm.html, err = htmltemplate.New(file).Option("missingkey=error").Parse(src)
	}
	if err != nil {
		return collections.Errorf(collections.EINVALID, "%s", strings.TrimPrefix(err.Error(), "template: "))
	}
	return nil
}

func (tm *template) render(d Data) (collections.EmailDraft, error) {
	var subject, text, html bytes.Buffer
	if err := tm.subject.Execute(&subject, d); err != nil {
		return collections.EmailDraft{}, execError(err)
	}
	if err := tm.text.Execute(&text, d); err != nil {
		return collections.EmailDraft{}, execError(err)
	}
	if err := tm.html.Execute(&html, d); err != nil {
		return collections.EmailDraft{}, execError(err)
	}
	return collections.EmailDraft{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    tidyText(text.String()),
		HTML:    strings.TrimSpace(html.String()) + "\n",
	}, nil
}

// execError words a template's execution error: "FILE:LINE:COL: …".
func execError(err error) error {
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "template: "))
}

// tidyText trims trailing spaces and runs of blank lines.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

// Render renders a template with data.
func (t *Templates) Render(name string, d Data) (collections.EmailDraft, error) {
	tm, ok := t.set[name]
	if !ok {
		return collections.EmailDraft{}, collections.Errorf(collections.ENOTFOUND, "there is no template %q (the templates are %s)",
			name, strings.Join(collections.ReminderTemplates, ", "))
	}
	return tm.render(d)
}

// List describes the templates, in the order of their use.
func (t *Templates) List() []TemplateInfo {
	out := make([]TemplateInfo, 0, len(t.set))
	for _, name := range collections.ReminderTemplates {
		files := map[string]string{}
		for k, v := range t.set[name].files {
			files[k] = v
		}
		out = append(out, TemplateInfo{Name: name, Purpose: collections.TemplatePurpose(name), Files: files})
	}
	return out
}

// Parts are the part names of a template file, in order: subject, txt, html.
func Parts() []string { return append([]string(nil), parts...) }
