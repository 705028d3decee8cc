{{/* Names and labels shared by the templates. */}}

{{- define "corral.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "corral.gatewayName" -}}
{{- printf "%s-gateway" (include "corral.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "corral.nodeName" -}}
{{- printf "%s-node" (include "corral.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "corral.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "corral.selector" (list . "gateway") */}}
{{- define "corral.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Environment every Corral process gets: listen address, database, heartbeat, log level. */}}
{{- define "corral.commonEnv" -}}
- name: CORRAL_HOST
  value: {{ printf "0.0.0.0:%v" .Values.port | quote }}
- name: CORRAL_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.secretKey }}
- name: CORRAL_HEARTBEAT_INTERVAL
  value: {{ .Values.heartbeatInterval | quote }}
- name: CORRAL_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{/* Probes: /healthz answers while the process runs; /readyz checks the database (and, on nodes, the store). */}}
{{- define "corral.probes" -}}
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  failureThreshold: 3
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  initialDelaySeconds: 10
  periodSeconds: 10
  failureThreshold: 6
{{- end -}}
