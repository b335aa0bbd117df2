import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { AnomalyClass } from '../datasetEntry';

/** Colours offered for new labels, in turn (those of Lookout for Vision's own examples first). */
const PALETTE = ['#23a436', '#1f77b4', '#d62728', '#9467bd', '#ff7f0e', '#e377c2', '#17becf', '#8c564b'];

/** Whether two #rrggbb colours are too alike to tell apart on a mask (or to keep apart in its soft edges). */
function alike(a: string, b: string): boolean {
  const [x, y] = [a, b].map((hex) => Number.parseInt(hex.slice(1), 16));
  return Math.abs((x >> 16) - (y >> 16)) + Math.abs(((x >> 8) & 255) - ((y >> 8) & 255)) + Math.abs((x & 255) - (y & 255)) < 60;
}

/** The first palette colour unlike every colour in use. */
function freeColour(used: string[]): string {
  return PALETTE.find((p) => !used.some((u) => alike(p, u))) ?? PALETTE[used.length % PALETTE.length];
}

/** Anomaly labels of a segmentation project: pick the one to paint, or add one with its name and colour. */
export function AnomalyClassPicker({ classes, value, onChange, onAdd }: { classes: AnomalyClass[]; value?: string; onChange(className: string): void; onAdd(added: AnomalyClass): void }) {
  const [name, setName] = useState('');
  const [colour, setColour] = useState(() => freeColour(classes.map((c) => c.hexColor)));
  const problem =
    name === ''
      ? undefined
      : !/^[a-zA-Z0-9]{1,256}$/.test(name)
        ? 'Letters and digits only.'
        : classes.some((c) => c.className.toLowerCase() === name.toLowerCase() || name.toLowerCase() === 'background')
          ? 'That label exists already.'
          : classes.some((c) => alike(c.hexColor, colour))
            ? 'Another label has this colour, or one too like it.'
            : undefined;
  const add = () => {
    onAdd({ className: name, hexColor: colour.toLowerCase() });
    setName('');
    setColour(freeColour([...classes.map((c) => c.hexColor), colour]));
  };
  return (
    <SpaceBetween size="s">
      <FormField label="Anomaly label to paint">
        {classes.length === 0 ? (
          <Box color="text-status-inactive">No anomaly labels yet: add one below.</Box>
        ) : (
          <RadioGroup
            value={value ?? null}
            onChange={({ detail }) => onChange(detail.value)}
            items={classes.map((c) => ({
              value: c.className,
              label: (
                <span>
                  <span className="vigil-swatch" style={{ background: c.hexColor }} aria-hidden="true" /> {c.className}
                </span>
              ),
            }))}
          />
        )}
      </FormField>
      <FormField label="Add an anomaly label" errorText={problem}>
        <SpaceBetween direction="horizontal" size="xs" alignItems="center">
          <Input value={name} onChange={({ detail }) => setName(detail.value)} placeholder="e.g. scratch" ariaLabel="New anomaly label name" name="anomalyLabelName" />
          <input type="color" className="vigil-colour-input" value={colour} onChange={(e) => setColour(e.target.value)} aria-label="New anomaly label colour" />
          <Button disabled={name === '' || problem !== undefined} onClick={add}>
            Add label
          </Button>
        </SpaceBetween>
      </FormField>
    </SpaceBetween>
  );
}
