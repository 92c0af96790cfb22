{{/* Prefix of every name: fullnameOverride or the release name. */}}
{{- define "gcp-wif.prefix" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The webhook's Deployment, Service, ServiceAccount, RBAC and MutatingWebhookConfiguration. */}}
{{- define "gcp-wif.fullname" -}}
{{- printf "%s-webhook" (include "gcp-wif.prefix" .) -}}
{{- end -}}

{{- define "gcp-wif.tlsSecretName" -}}
{{- if .Values.certManager.enabled -}}
{{- printf "%s-tls" (include "gcp-wif.fullname" .) -}}
{{- else -}}
{{- default (printf "%s-tls" (include "gcp-wif.fullname" .)) .Values.selfSigned.secretName -}}
{{- end -}}
{{- end -}}

{{- define "gcp-wif.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selects the webhook pods; fixed for the life of a release (a Deployment's selector cannot change). */}}
{{- define "gcp-wif.selectorLabels" -}}
app.kubernetes.io/name: gcp-wif-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gcp-wif.labels" -}}
{{ include "gcp-wif.selectorLabels" . }}
app.kubernetes.io/part-of: gcp-wif
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "gcp-wif.chart" . }}
{{- end -}}

{{- define "gcp-wif.image" -}}
{{- printf "%s:%s" .repository (default $.appVersion .tag) -}}
{{- end -}}
