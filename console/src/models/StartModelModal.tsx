import { StartModelCommand } from '@aws-sdk/client-lookoutvision';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../clients';
import { FormModal } from '../components/FormModal';

/** StartModel with its inference units: a minimum, and a maximum to scale up to under load. */
export function StartModelModal({ clients, projectName, modelVersion, onClose }: { clients: Clients; projectName: string; modelVersion: string; onClose(started?: boolean): void }) {
  const [min, setMin] = useState('1');
  const [max, setMax] = useState('');
  const whole = (text: string) => /^[1-9]\d*$/.test(text);
  const invalid = !whole(min) || (max !== '' && (!whole(max) || Number(max) < Number(min)));

  const start = async () => {
    await clients.lookoutVision.send(new StartModelCommand({ ProjectName: projectName, ModelVersion: modelVersion, MinInferenceUnits: Number(min), MaxInferenceUnits: max ? Number(max) : undefined }));
    onClose(true);
  };
  return (
    <FormModal header={`Start hosting model ${modelVersion}`} submitLabel="Start hosting" submitTestId="start-model-submit" disabled={invalid} onCancel={() => onClose()} submit={start}>
      {(error) => (
        <SpaceBetween size="m">
          <FormField label="Minimum inference units" description="Each unit answers DetectAnomalies calls in parallel with the others." errorText={whole(min) ? undefined : 'A whole number from 1.'}>
            <Input type="number" inputMode="numeric" value={min} onChange={({ detail }) => setMin(detail.value)} name="minInferenceUnits" />
          </FormField>
          <FormField
            label="Maximum inference units - optional"
            description="Vigil adds units up to this number while the model is busy."
            errorText={max !== '' && (!whole(max) || Number(max) < Number(min)) ? 'A whole number no smaller than the minimum.' : error}
          >
            <Input type="number" inputMode="numeric" value={max} onChange={({ detail }) => setMax(detail.value)} name="maxInferenceUnits" />
          </FormField>
        </SpaceBetween>
      )}
    </FormModal>
  );
}
