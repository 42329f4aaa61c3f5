import {
  Alert,
  Autocomplete,
  Button,
  Drawer,
  FileButton,
  Group,
  List,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useContext, useEffect, useMemo, useState } from 'react';
import {
  HfCacheEntrySchema,
  LocalModelSchema,
} from '../../src-main/shared/agent-protocol/files.js';
import {
  DeploymentManifestSchema,
  DeploymentPlanReadSchema,
  DeploymentReadSchema,
  type DeploymentManifest,
  type DeploymentPlanRead,
} from '../../src-main/shared/deployments.js';
import { DURATION_CHOICES } from '../../src-main/shared/settings.js';
import { useApi } from '../hooks/use-api.js';
import { ConsoleContext, useConsole } from '../hooks/use-console.js';
import { attempt, notifyError, notifyOk } from '../notify.js';
import {
  configPayload,
  emptyForm,
  formFromManifest,
  formFromPayload,
  rememberOwner,
  startBody,
  validateForm,
  type DeployForm,
} from './deploy-form.js';
import { DeployOptions } from './deploy-options.js';
import { GpuPicker } from './gpu-picker.js';
import { PortCheck } from './port-check.js';
import { SavedConfigs } from './saved-configs.js';
import { ServedNameCheck } from './served-name-check.js';

const durationLabel = (c: string) => (c === 'inf' ? 'Until stopped' : `${Number(c) / 3600} h`);

/** The node's HF cache and local models, as model-field suggestions. */
function useModelSuggestions(nodeId: number | null): string[] {
  const api = useApi();
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    setNames([]);
    if (nodeId === null) return;
    let cancelled = false;
    void Promise.allSettled([
      api.send('GET', `/api/nodes/${nodeId}/models/cache`, HfCacheEntrySchema.array()),
      api.send('GET', `/api/nodes/${nodeId}/local-models`, LocalModelSchema.array()),
    ]).then(([cache, local]) => {
      if (cancelled) return;
      const out = [
        ...(cache.status === 'fulfilled' ? cache.value.map((c) => c.name) : []),
        ...(local.status === 'fulfilled' ? local.value.map((l) => l.path) : []),
      ];
      setNames([...new Set(out)]);
    });
    return () => {
      cancelled = true;
    };
  }, [api, nodeId]);
  return names;
}

/** The Deploy panel: form → plan preview → confirm (behaviour.md §7.2, §3.5). */
export function DeployPanel({
  opened,
  onClose,
  manifest,
}: {
  opened: boolean;
  onClose: () => void;
  /** A manifest to start from (the manifest dialog's "Load into deploy form"). */
  manifest: DeploymentManifest | null;
}) {
  const api = useApi();
  const store = useContext(ConsoleContext);
  const settings = useConsole((s) => s.settings);
  const nodesMap = useConsole((s) => s.nodes);
  const nodes = useMemo(() => Object.values(nodesMap), [nodesMap]);
  const [form, setForm] = useState<DeployForm>(() => emptyForm(settings));
  const [fromManifest, setFromManifest] = useState<Record<string, unknown> | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [plan, setPlan] = useState<DeploymentPlanRead | null>(null);
  const [busy, setBusy] = useState(false);
  const suggestions = useModelSuggestions(form.node_id);
  const set = <K extends keyof DeployForm>(key: K, value: DeployForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setPlan(null);
  };
  useEffect(() => {
    if (!manifest) return;
    setForm((f) => formFromManifest(f, manifest));
    setFromManifest(manifest);
  }, [manifest]);
  useEffect(() => {
    // Defaults arrive with the settings; keep what the operator typed.
    if (settings)
      setForm((f) => (f.model_name ? f : { ...emptyForm(settings), node_id: f.node_id }));
  }, [settings]);
  const node = form.node_id !== null ? nodesMap[form.node_id] : undefined;
  const fraction = typeof form.gpu_memory_fraction === 'number' ? form.gpu_memory_fraction : 0;

  const review = async () => {
    const problems = validateForm(form);
    setErrors(problems);
    if (Object.keys(problems).length) return;
    const body = startBody(form);
    setBusy(true);
    const p = await attempt('Plan failed', () =>
      api.send('POST', '/api/deployments/plan', DeploymentPlanReadSchema, {
        body: {
          node_id: body.node_id,
          model_name: body.model_name,
          port: body.port,
          gpu_memory_fraction: body.gpu_memory_fraction,
          gpu_ids: body.gpu_ids,
        },
      }),
    );
    setBusy(false);
    setPlan(p);
  };

  const deploy = async () => {
    const body = startBody(form);
    setBusy(true);
    try {
      const row = fromManifest
        ? await api.send('POST', '/api/deployments/from-manifest', DeploymentReadSchema, {
            body: {
              manifest: fromManifest,
              node_id: body.node_id,
              port: body.port,
              owner: body.owner,
              duration_seconds: body.duration_seconds,
              env_vars: body.env_vars,
              gpu_ids: body.gpu_ids,
            },
          })
        : await api.send('POST', '/api/deployments/start', DeploymentReadSchema, { body });
      store?.getState().putDeployment(row);
      rememberOwner(form.owner.trim());
      notifyOk(`Deploying ${row.served_model_name} on ${row.node_hostname ?? 'the node'}`);
      setPlan(null);
      setFromManifest(null);
      setForm((f) => ({ ...emptyForm(settings), node_id: f.node_id, owner: f.owner }));
      onClose();
    } catch (err) {
      notifyError('Deploy failed', err);
    } finally {
      setBusy(false);
    }
  };

  const loadManifestFile = async (file: File | null) => {
    if (!file) return;
    try {
      const m = DeploymentManifestSchema.parse(JSON.parse(await file.text()) as unknown);
      setForm((f) => formFromManifest(f, m));
      setFromManifest(m);
    } catch {
      notifyError('Not a manifest', new Error(`${file.name} is not an Aerie deployment manifest.`));
    }
  };

  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      title="Deploy a model"
      position="right"
      size="lg"
      data-testid="deploy-panel"
    >
      <Stack gap="sm">
        <SavedConfigs
          payload={() => configPayload(form)}
          onLoad={(p) => setForm((f) => formFromPayload(f, p))}
        />
        <Group gap="xs">
          <FileButton onChange={(f) => void loadManifestFile(f)} accept="application/json,.json">
            {(props) => (
              <Button variant="subtle" size="xs" {...props}>
                Load a manifest file…
              </Button>
            )}
          </FileButton>
          {fromManifest ? (
            <Text size="xs" c="dimmed" data-testid="from-manifest">
              From a manifest: the model and its options are pinned.{' '}
              <Button size="compact-xs" variant="subtle" onClick={() => setFromManifest(null)}>
                Clear
              </Button>
            </Text>
          ) : null}
        </Group>
        <Select
          label="Node"
          placeholder="Choose a node"
          data-testid="deploy-node"
          data={nodes.map((n) => ({
            value: String(n.id),
            label: `${n.hostname} (${n.status})`,
            disabled: n.maintenance,
          }))}
          value={form.node_id === null ? null : String(form.node_id)}
          onChange={(v) => {
            set('node_id', v === null ? null : Number(v));
            set('gpu_ids', []);
          }}
          error={errors.node_id}
          allowDeselect={false}
          required
        />
        <Autocomplete
          label="Model"
          placeholder="org/model, a cached repo or a local path"
          data={suggestions}
          value={form.model_name}
          onChange={(v) => set('model_name', v)}
          error={errors.model_name}
          required
          data-testid="deploy-model"
          disabled={!!fromManifest}
        />
        <TextInput
          label="Served model name"
          description="What clients address at the gateway; empty = the model name."
          value={form.served_model_name}
          onChange={(e) => set('served_model_name', e.currentTarget.value)}
          data-testid="deploy-served-name"
          disabled={!!fromManifest}
        />
        <ServedNameCheck
          name={form.served_model_name || form.model_name}
          onUse={(n) => set('served_model_name', n)}
        />
        <Group grow align="flex-start">
          <NumberInput
            label="Port"
            value={form.port}
            onChange={(v) => set('port', v)}
            min={1}
            max={65535}
            error={errors.port}
            data-testid="deploy-port"
          />
          <NumberInput
            label="GPU memory fraction"
            value={form.gpu_memory_fraction}
            onChange={(v) => set('gpu_memory_fraction', v)}
            min={0.05}
            max={1}
            step={0.05}
            decimalScale={2}
            error={errors.gpu_memory_fraction}
            data-testid="deploy-fraction"
          />
        </Group>
        <PortCheck nodeId={form.node_id} port={form.port} />
        <GpuPicker
          node={node}
          value={form.gpu_ids}
          fraction={fraction}
          onChange={(ids) => set('gpu_ids', ids)}
        />
        <Group grow align="flex-start">
          <Select
            label="Duration"
            data={DURATION_CHOICES.map((c) => ({ value: c, label: durationLabel(c) }))}
            value={form.duration}
            onChange={(v) => set('duration', v ?? '43200')}
            allowDeselect={false}
            data-testid="deploy-duration"
          />
          <TextInput
            label="Owner"
            value={form.owner}
            onChange={(e) => set('owner', e.currentTarget.value)}
            error={errors.owner}
            required
            data-testid="deploy-owner"
          />
        </Group>
        <DeployOptions form={form} set={set} errors={errors} />
        {errors.form ? <Alert color="red">{errors.form}</Alert> : null}
        {plan ? <PlanPreview plan={plan} /> : null}
        <Group justify="flex-end">
          {plan ? (
            <>
              <Button variant="default" onClick={() => setPlan(null)}>
                Back
              </Button>
              <Button
                onClick={() => void deploy()}
                loading={busy}
                disabled={!plan.fits}
                data-testid="deploy-confirm"
              >
                Confirm deploy
              </Button>
            </>
          ) : (
            <Button onClick={() => void review()} loading={busy} data-testid="deploy-review">
              Review plan
            </Button>
          )}
        </Group>
      </Stack>
    </Drawer>
  );
}

function PlanPreview({ plan }: { plan: DeploymentPlanRead }) {
  if (!plan.fits)
    return (
      <Alert color="red" title="Does not fit" data-testid="deploy-plan" data-state="blocked">
        {plan.blocked_reason ?? 'Not enough GPU memory on the chosen GPUs.'}
      </Alert>
    );
  if (plan.would_offload.length === 0)
    return (
      <Alert color="teal" data-testid="deploy-plan" data-state="fits">
        Fits without touching other models.
      </Alert>
    );
  return (
    <Alert
      color="yellow"
      title="Will pause to make room"
      data-testid="deploy-plan"
      data-state="offload"
    >
      <List size="sm">
        {plan.would_offload.map((o) => (
          <List.Item key={`${o.deployment_id}-${o.model_name}`}>
            will {o.tier === 'stop' ? 'stop' : `pause (${o.tier})`}: {o.model_name}
            {o.deployment_id !== null ? ` (#${o.deployment_id})` : ''}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
