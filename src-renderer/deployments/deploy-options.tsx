import {
  Accordion,
  ActionIcon,
  Button,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Switch,
  TextInput,
  Textarea,
} from '@mantine/core';
import type { DeployForm } from './deploy-form.js';

type Set = <K extends keyof DeployForm>(key: K, value: DeployForm[K]) => void;

/** Engine options, LoRA adapters, env vars (masked), extra args, version, packages. */
export function DeployOptions({
  form,
  set,
  errors,
}: {
  form: DeployForm;
  set: Set;
  errors: Record<string, string>;
}) {
  return (
    <Accordion variant="separated">
      <Accordion.Item value="engine">
        <Accordion.Control>Engine options</Accordion.Control>
        <Accordion.Panel>
          <Stack gap="xs">
            <NumberInput
              label="Max model length"
              value={form.max_model_len}
              onChange={(v) => set('max_model_len', v)}
              min={1}
            />
            <Select
              label="dtype"
              value={form.dtype || null}
              onChange={(v) => set('dtype', v ?? '')}
              data={['auto', 'half', 'float16', 'bfloat16', 'float32']}
              clearable
            />
            <Select
              label="Quantization"
              value={form.quantization || null}
              onChange={(v) => set('quantization', v ?? '')}
              data={['awq', 'gptq', 'fp8', 'bitsandbytes', 'gguf', 'marlin']}
              clearable
            />
            <NumberInput
              label="Tensor parallel size"
              value={form.tensor_parallel_size}
              onChange={(v) => set('tensor_parallel_size', v)}
              min={1}
              error={errors.tensor_parallel_size}
            />
            <NumberInput
              label="Max failed restarts"
              value={form.max_failed_restarts}
              onChange={(v) => set('max_failed_restarts', v)}
              min={0}
              max={100}
              error={errors.max_failed_restarts}
            />
            <TextInput
              label="vLLM version"
              placeholder="latest"
              value={form.vllm_version}
              onChange={(e) => set('vllm_version', e.currentTarget.value)}
              error={errors.vllm_version}
            />
            <TextInput
              label="Extra vLLM arguments"
              placeholder="--enable-prefix-caching"
              value={form.extra_args}
              onChange={(e) => set('extra_args', e.currentTarget.value)}
              error={errors.extra_args}
            />
            <TextInput
              label="Extra packages (comma separated)"
              value={form.extra_packages}
              onChange={(e) => set('extra_packages', e.currentTarget.value)}
              error={errors.extra_packages}
            />
            <Switch
              label="Pin (never auto-evicted by the warm cache)"
              checked={form.pinned}
              onChange={(e) => set('pinned', e.currentTarget.checked)}
            />
          </Stack>
        </Accordion.Panel>
      </Accordion.Item>
      <Accordion.Item value="lora">
        <Accordion.Control>LoRA adapters</Accordion.Control>
        <Accordion.Panel>
          <Textarea
            label="One adapter per line: name=path"
            value={form.lora}
            onChange={(e) => set('lora', e.currentTarget.value)}
            autosize
            minRows={2}
            error={errors.lora_modules}
          />
        </Accordion.Panel>
      </Accordion.Item>
      <Accordion.Item value="env">
        <Accordion.Control>Environment variables</Accordion.Control>
        <Accordion.Panel>
          <Stack gap={4}>
            {form.env.map((row, i) => (
              <Group key={i} gap={4} wrap="nowrap">
                <TextInput
                  aria-label={`Env var ${i + 1} name`}
                  placeholder="NAME"
                  value={row.key}
                  onChange={(e) =>
                    set(
                      'env',
                      form.env.map((r, j) => (j === i ? { ...r, key: e.currentTarget.value } : r)),
                    )
                  }
                />
                <PasswordInput
                  aria-label={`Env var ${i + 1} value`}
                  placeholder="value"
                  value={row.value}
                  onChange={(e) =>
                    set(
                      'env',
                      form.env.map((r, j) =>
                        j === i ? { ...r, value: e.currentTarget.value } : r,
                      ),
                    )
                  }
                />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove env var ${i + 1}`}
                  onClick={() =>
                    set(
                      'env',
                      form.env.filter((_, j) => j !== i),
                    )
                  }
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
            {errors.env_vars ? <span className="field-error">{errors.env_vars}</span> : null}
            <Button
              size="xs"
              variant="light"
              onClick={() => set('env', [...form.env, { key: '', value: '' }])}
              data-testid="env-add"
            >
              Add variable
            </Button>
          </Stack>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}
