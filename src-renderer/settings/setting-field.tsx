import { NumberInput, Select, Switch, TextInput } from '@mantine/core';
import { z } from 'zod';
import { settingsShape, type StoredSettingKey } from '../../src-main/shared/settings.js';

export type SettingValue = string | number | boolean | null;

const label = (key: string) => key.replace(/_/g, ' ');

/** The schema of a setting without its nullable wrapper. */
function inner(key: StoredSettingKey): z.ZodType {
  const s: z.ZodType = settingsShape[key];
  return s instanceof z.ZodNullable ? (s.unwrap() as z.ZodType) : s;
}

/** One setting's input, chosen from its zod type; `error` is the server's message. */
export function SettingField({
  k,
  value,
  error,
  onChange,
}: {
  k: StoredSettingKey;
  value: SettingValue;
  error: string | undefined;
  onChange: (v: SettingValue) => void;
}) {
  const schema = inner(k);
  const common = { label: label(k), error, 'data-testid': `setting-input-${k}` };
  if (schema instanceof z.ZodBoolean)
    return (
      <Switch
        {...common}
        checked={value === true}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
    );
  if (schema instanceof z.ZodEnum)
    return (
      <Select
        {...common}
        data={(schema.options as string[]).map(String)}
        value={typeof value === 'string' ? value : null}
        onChange={(v) => onChange(v)}
        allowDeselect={false}
      />
    );
  if (schema instanceof z.ZodNumber)
    return (
      <NumberInput
        {...common}
        value={typeof value === 'number' ? value : ''}
        onChange={(v) => onChange(v === '' ? null : typeof v === 'number' ? v : Number(v))}
      />
    );
  return (
    <TextInput
      {...common}
      value={typeof value === 'string' ? value : ''}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}
