{{/* The repository the child Applications sync: the root Application passes it (Terraform's gitops_repo_url). */}}
{{- define "apps.repoURL" -}}
{{- required "repoURL is not set: the root Application passes it from Terraform's gitops_repo_url (docs/deploy.md, section 1)" .Values.repoURL | quote -}}
{{- end -}}

{{/* The revision they sync (Terraform's gitops_revision, main by default). */}}
{{- define "apps.targetRevision" -}}
{{- required "targetRevision is not set" .Values.targetRevision | quote -}}
{{- end -}}
