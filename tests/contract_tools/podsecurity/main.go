// Command podsecurity checks every pod and pod template in the YAML files it is given, or
// in what a kustomization renders (as `kubectl apply -k` would), against the Pod Security
// Standards, with the evaluator the API server's admission uses
// (k8s.io/pod-security-admission). It prints each violation and exits 1 on any, or when
// it found no pod at all; 2 on a file it cannot read, parse or render.
//
//	go run . [-level restricted] [-version latest] [-kustomize dir] [file.yaml...]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// workload is what every kind that makes pods has in common: a Pod's own spec, a
// template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job), or a CronJob's.
type workload struct {
	Kind     string            `json:"kind"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		corev1.PodSpec
		Template    *corev1.PodTemplateSpec `json:"template"`
		JobTemplate *struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		} `json:"jobTemplate"`
	} `json:"spec"`
}

// pod returns the pod this document makes, if it makes one.
func (w *workload) pod() (*metav1.ObjectMeta, *corev1.PodSpec, bool) {
	switch {
	case w.Kind == "Pod":
		return &w.Metadata, &w.Spec.PodSpec, true
	case w.Spec.JobTemplate != nil:
		t := &w.Spec.JobTemplate.Spec.Template
		return &t.ObjectMeta, &t.Spec, true
	case w.Spec.Template != nil:
		return &w.Spec.Template.ObjectMeta, &w.Spec.Template.Spec, true
	}
	return nil, nil, false
}

func documents(path string) ([][]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(file))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// rendered returns the documents the kustomization in dir builds.
func rendered(dir string) ([][]byte, error) {
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	var docs [][]byte
	for _, resource := range resources.Resources() {
		doc, err := resource.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %w", dir, err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

func main() {
	level := flag.String("level", string(api.LevelRestricted), "privileged, baseline or restricted")
	version := flag.String("version", "latest", "the standard's version: latest or v1.N")
	kustomization := flag.String("kustomize", "", "a kustomization's folder, to check what it renders")
	flag.Parse()
	lv, err := api.ParseLevel(*level)
	if err != nil {
		fail(2, "-level: %v", err)
	}
	v, err := api.ParseVersion(*version)
	if err != nil {
		fail(2, "-version: %v", err)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		fail(2, "evaluator: %v", err)
	}
	type source struct {
		path string
		read func(string) ([][]byte, error)
	}
	var sources []source
	if *kustomization != "" {
		sources = append(sources, source{*kustomization, rendered})
	}
	for _, path := range flag.Args() {
		sources = append(sources, source{path, documents})
	}
	pods, violations := 0, 0
	for _, src := range sources {
		path := src.path
		docs, err := src.read(path)
		if err != nil {
			fail(2, "%v", err)
		}
		for _, doc := range docs {
			var w workload
			if err := yaml.Unmarshal(doc, &w); err != nil {
				fail(2, "%s: %v", path, err)
			}
			meta, spec, ok := w.pod()
			if !ok {
				continue
			}
			pods++
			result := policy.AggregateCheckResults(evaluator.EvaluatePod(
				api.LevelVersion{Level: lv, Version: v}, meta, spec))
			if !result.Allowed {
				violations++
				fmt.Printf("%s: %s %s violates PodSecurity %q:%s: %s\n",
					path, w.Kind, w.Metadata.Name, lv, *version, result.ForbiddenDetail())
			}
		}
	}
	if pods == 0 {
		fail(1, "no pod or pod template in %v %s", flag.Args(), *kustomization)
	}
	if violations > 0 {
		os.Exit(1)
	}
	fmt.Printf("%d pod templates meet PodSecurity %q:%s\n", pods, lv, *version)
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "podsecurity: "+format+"\n", args...)
	os.Exit(code)
}
