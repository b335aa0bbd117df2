import { CreateModelCommand } from '@aws-sdk/client-lookoutvision';
import AttributeEditor from '@cloudscape-design/components/attribute-editor';
import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useState } from 'react';
import { type Clients, errorText } from '../clients';
import { FormModal } from '../components/FormModal';
import { type KeyRow, keyLabel, listKeys } from '../kms/keyList';
import { projectBucket } from './projectBucket';

interface TagRow {
  key: string;
  value: string;
}

/**
 * CreateModel: a description, where the model's output goes, the key that encrypts it (Vigil's default
 * key or a customer managed key chosen from the key list) and tags (vigil: tags are Vigil's settings).
 */
export function TrainModelModal({ clients, projectName, onClose }: { clients: Clients; projectName: string; onClose(version?: string): void }) {
  const [description, setDescription] = useState('');
  const [output, setOutput] = useState('');
  const [encryption, setEncryption] = useState<'default' | 'customer'>('default');
  const [keys, setKeys] = useState<KeyRow[] | undefined>();
  const [keyId, setKeyId] = useState<string | undefined>();
  const [tags, setTags] = useState<TagRow[]>([]);
  // The key list's own failure; a failed CreateModel's message comes from FormModal.
  const [keysError, setKeysError] = useState<string | undefined>();

  useEffect(() => {
    projectBucket(clients, projectName)
      .then((found) => found && setOutput((o) => o || `s3://${found.bucket}/model-output/${projectName}/`))
      .catch(() => undefined);
  }, [clients, projectName]);
  useEffect(() => {
    if (encryption !== 'customer' || keys) return;
    listKeys(clients)
      .then((all) => setKeys(all.filter((k) => k.metadata.KeyManager === 'CUSTOMER' && k.metadata.KeyState === 'Enabled')))
      .catch((e: unknown) => setKeysError(`Could not list the keys. ${errorText(e)}`));
  }, [clients, encryption, keys]);

  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(output.trim());
  const location = match ? { bucket: match[1], prefix: match[2] } : undefined;
  const ready = location !== undefined && (encryption === 'default' || keyId !== undefined);

  const train = async () => {
    const answer = await clients.lookoutVision.send(
      new CreateModelCommand({
        ProjectName: projectName,
        Description: description || undefined,
        OutputConfig: { S3Location: { Bucket: location!.bucket, Prefix: location!.prefix || undefined } },
        KmsKeyId: encryption === 'customer' ? keyId : undefined,
        Tags: tags.length ? tags.map((t) => ({ Key: t.key, Value: t.value })) : undefined,
      }),
    );
    onClose(answer.ModelMetadata?.ModelVersion ?? '');
  };

  return (
    <FormModal header="Train model" submitLabel="Train model" submitTestId="train-model-submit" size="large" disabled={!ready} onCancel={() => onClose()} submit={train}>
      {(submitError) => {
        const error = submitError ?? keysError;
        return (
          <SpaceBetween size="l">
            <FormField label="Description - optional">
              <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} ariaLabel="Model description" rows={2} />
            </FormField>
            <FormField
              label="Output location"
              description="The S3 folder that receives the model's evaluation files."
              errorText={output && !location ? 'Give an S3 URI, such as s3://bucket/folder/.' : undefined}
            >
              <Input value={output} onChange={({ detail }) => setOutput(detail.value)} name="modelOutput" ariaLabel="Output location" />
            </FormField>
            <FormField label="Encryption" description="The model and its output are encrypted with Vigil's default key unless you choose a customer managed key.">
              <RadioGroup
                value={encryption}
                onChange={({ detail }) => setEncryption(detail.value as 'default' | 'customer')}
                items={[
                  { value: 'default', label: "Vigil's default key" },
                  { value: 'customer', label: 'A customer managed key' },
                ]}
              />
            </FormField>
            {encryption === 'customer' && (
              <FormField label="KMS key">
                <Select
                  selectedOption={keyId ? { value: keyId, label: keyLabel(keys!.find((k) => k.metadata.Arn === keyId)!) } : null}
                  onChange={({ detail }) => setKeyId(detail.selectedOption.value)}
                  options={(keys ?? []).map((k) => ({ value: k.metadata.Arn!, label: keyLabel(k), description: k.metadata.KeyId }))}
                  statusType={keys ? 'finished' : 'loading'}
                  loadingText="Loading keys"
                  empty="No enabled customer managed keys. Create one on the Encryption keys page."
                  placeholder="Choose a key"
                  ariaLabel="KMS key"
                />
              </FormField>
            )}
            <FormField
              label="Tags - optional"
              description="vigil:augment (none, tilt, any-orientation), vigil:surface (part, texture) and vigil:anomaly-head (scores, scores-and-features) are Vigil's training settings."
            >
              <AttributeEditor
                items={tags}
                onAddButtonClick={() => setTags((t) => [...t, { key: '', value: '' }])}
                onRemoveButtonClick={({ detail }) => setTags((t) => t.filter((_, i) => i !== detail.itemIndex))}
                addButtonText="Add tag"
                removeButtonText="Remove"
                empty="No tags."
                definition={[
                  {
                    label: 'Key',
                    control: (item, i) => (
                      <Input value={item.key} ariaLabel={`Tag key ${i + 1}`} onChange={({ detail }) => setTags((t) => t.map((r, j) => (j === i ? { ...r, key: detail.value } : r)))} />
                    ),
                  },
                  {
                    label: 'Value',
                    control: (item, i) => (
                      <Input value={item.value} ariaLabel={`Tag value ${i + 1}`} onChange={({ detail }) => setTags((t) => t.map((r, j) => (j === i ? { ...r, value: detail.value } : r)))} />
                    ),
                  },
                ]}
              />
            </FormField>
            {error && (
              <div data-testid="train-model-error">
                <Box color="text-status-error">{error}</Box>
              </div>
            )}
          </SpaceBetween>
        );
      }}
    </FormModal>
  );
}
