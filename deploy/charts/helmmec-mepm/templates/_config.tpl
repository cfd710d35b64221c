{{/*
The secret environment of the MEPM: each entry becomes a variable from the
Secret (see helmmec.secretEnv.vars); required ones fail the rendering when
missing.
*/}}
{{- define "helmmec-mepm.secretEntries" -}}
{{- $s := .Values.secrets -}}
- env: MEC_API_TOKEN
  value: {{ $s.apiToken | quote }}
  required: true
  what: secrets.apiToken
  description: the bearer token the MEO calls this MEPM with, subject mec-meo
- env: MEC_ENCRYPTION_KEY
  value: {{ $s.encryptionKey | quote }}
  required: true
  what: secrets.encryptionKey
  description: the key of secrets at rest, openssl rand -base64 32
- env: MEC_MEO_TOKEN
  value: {{ $s.meoToken | quote }}
  required: {{ eq .Values.meo.auth.type "token" }}
  what: secrets.meoToken
  description: the bearer token this MEPM calls its MEO with, as meo.auth.type is token
- env: MEC_MEO_CLIENT_SECRET
  value: {{ $s.meoClientSecret | quote }}
  required: {{ eq .Values.meo.auth.type "clientCredentials" }}
  what: secrets.meoClientSecret
  description: the OAuth 2.0 client secret of this MEPM at the MEO's token endpoint, as meo.auth.type is clientCredentials
- env: MEC_MEO_PULL_TOKEN
  value: {{ $s.meoPullToken | quote }}
  required: {{ include "helmmec-mepm.pullsCharts" . }}
  what: secrets.meoPullToken
  description: the MEO's chart pull token, which the flux driver gives this MEPM's clusters, as meo.pullCharts is true or localCluster.driver is flux
- env: MEC_PREVIOUS_ENCRYPTION_KEY
  value: {{ $s.previousEncryptionKey | quote }}
  required: {{ not (empty .Values.encryptionKeys.previousId) }}
  what: secrets.previousEncryptionKey
  description: the key being rotated out, as encryptionKeys.previousId is set
{{- end }}

{{/* Whether this MEPM's clusters pull charts from the MEO: "true" or "false". */}}
{{- define "helmmec-mepm.pullsCharts" -}}
{{- or .Values.meo.pullCharts (and .Values.localCluster.enabled (eq .Values.localCluster.driver "flux")) }}
{{- end }}

{{- define "helmmec-mepm.localCluster.tokenSecretName" -}}
{{- printf "%s-local-cluster" (include "helmmec.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Namespaces the ServiceAccount may deploy to on the local cluster. */}}
{{- define "helmmec-mepm.localCluster.namespaces" -}}
{{- toYaml (uniq (prepend .Values.localCluster.extraNamespaces .Values.localCluster.namespace)) }}
{{- end }}

{{/* The chart's app-config layer: no secret values, only ${VARIABLE}s. */}}
{{- define "helmmec-mepm.config" -}}
{{- $baseUrl := trimSuffix "/" .Values.baseUrl -}}
{{- $meo := .Values.meo -}}
{{- $local := .Values.localCluster -}}
app:
  # No portal here; Backstage's core services still read it.
  baseUrl: {{ $baseUrl | quote }}
# Production and the permission framework whatever the image's config
# files say: the mec plugin then fails closed on development settings.
auth:
  environment: production
permission:
  enabled: true
backend:
  baseUrl: {{ $baseUrl | quote }}
  listen:
    host: 0.0.0.0
    port: 7007
  cors:
    origin: {{ $baseUrl | quote }}
  database:
    {{- include "helmmec.appConfig.database" . | nindent 4 }}
  auth:
    externalAccess:
      - type: static
        options:
          token: ${MEC_API_TOKEN}
          subject: mec-meo
        accessRestrictions:
          - plugin: mec
      {{- with .Values.extraExternalAccess }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
mec:
  role: mepm
  {{- with .Values.apiRoot }}
  apiRoot: {{ . | quote }}
  {{- end }}
  mepm:
    meo:
      apiRoot: {{ $meo.apiRoot | quote }}
      auth:
        {{- if eq $meo.auth.type "token" }}
        token: ${MEC_MEO_TOKEN}
        {{- else }}
        tokenEndpoint: {{ $meo.auth.tokenEndpoint | quote }}
        clientId: {{ $meo.auth.clientId | quote }}
        clientSecret: ${MEC_MEO_CLIENT_SECRET}
        {{- with $meo.auth.scope }}
        scope: {{ . | quote }}
        {{- end }}
        {{- end }}
      {{- with $meo.outbound }}
      outbound:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if eq (include "helmmec-mepm.pullsCharts" .) "true" }}
      helmRepository:
        pullToken: ${MEC_MEO_PULL_TOKEN}
      {{- end }}
  clients:
    {{- toYaml .Values.clients | nindent 4 }}
  # A MEPM serves no Helm repository and takes no MEPM notifications: null
  # removes the development defaults of the image's app-config.yaml.
  helmRepository:
    pullToken: null
  mepms:
    notificationToken: null
  encryptionKeys:
    - id: {{ .Values.encryptionKeys.id | quote }}
      secret: ${MEC_ENCRYPTION_KEY}
    {{- with .Values.encryptionKeys.previousId }}
    - id: {{ . | quote }}
      secret: ${MEC_PREVIOUS_ENCRYPTION_KEY}
    {{- end }}
  {{- if $local.enabled }}
  hosts:
    outbound:
      # The API server of the cluster the MEPM runs in, at its service
      # address (a private one).
      allow:
        - host: kubernetes.default.svc
          ports: [443]
          schemes: [https]
      allowPrivateNetworks: true
    static:
      - name: {{ $local.name | quote }}
        {{- with $local.title }}
        title: {{ . | quote }}
        {{- end }}
        url: https://kubernetes.default.svc
        # Both from the ServiceAccount token Secret (see the Deployment).
        caData: ${MEC_LOCAL_CLUSTER_CA_DATA}
        authProvider: serviceAccount
        serviceAccountToken: ${MEC_LOCAL_CLUSTER_TOKEN}
        driver: {{ $local.driver | quote }}
        namespacePolicy:
          mode: fixed
          namespace: {{ $local.namespace | quote }}
        {{- with $local.labels }}
        labels:
          {{- toYaml . | nindent 10 }}
        {{- end }}
        {{- with $local.location }}
        location:
          {{- toYaml . | nindent 10 }}
        {{- end }}
  {{- end }}
{{- end }}

{{- define "helmmec-mepm.validate" -}}
{{- $_ := required "baseUrl is required: the external URL of this MEPM as its MEO reaches it, e.g. https://mepm-1.edge.example.com" .Values.baseUrl }}
{{- $_ := required "meo.apiRoot is required: the ETSI {apiRoot} of the MEO this MEPM works for, e.g. https://meo.example.com/api/mec" .Values.meo.apiRoot }}
{{- if not (has .Values.meo.auth.type (list "token" "clientCredentials")) }}
{{- fail (printf "meo.auth.type '%s' is not one of token, clientCredentials" .Values.meo.auth.type) }}
{{- end }}
{{- if eq .Values.meo.auth.type "clientCredentials" }}
{{- $_ := required "meo.auth.tokenEndpoint is required with meo.auth.type clientCredentials: the OAuth 2.0 token endpoint this MEPM gets tokens for the MEO from" .Values.meo.auth.tokenEndpoint }}
{{- $_ := required "meo.auth.clientId is required with meo.auth.type clientCredentials: this MEPM's OAuth 2.0 client id" .Values.meo.auth.clientId }}
{{- end }}
{{- if .Values.localCluster.enabled }}
{{- $_ := required "localCluster.namespace is required with localCluster.enabled: the namespace instances are deployed to" .Values.localCluster.namespace }}
{{- if not (has .Values.localCluster.driver (list "helm" "flux")) }}
{{- fail (printf "localCluster.driver '%s' is not one of helm, flux" .Values.localCluster.driver) }}
{{- end }}
{{- if and (not .Values.serviceAccount.create) (not .Values.serviceAccount.name) }}
{{- fail "localCluster.enabled needs a ServiceAccount of its own: serviceAccount.create, or serviceAccount.name" }}
{{- end }}
{{- end }}
{{- include "helmmec.postgresql.validate" . }}
{{- include "helmmec.secretEnv.validate" (dict "root" . "entries" (include "helmmec-mepm.secretEntries" . | fromYamlArray)) }}
{{- end }}
