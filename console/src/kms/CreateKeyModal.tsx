import { CreateAliasCommand, CreateKeyCommand, paginateListAliases } from '@aws-sdk/client-kms';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../clients';
import { FormModal } from '../components/FormModal';

/** KMS alias names: alias/ and then letters, digits, / _ -; alias/aws/ is kept for AWS managed keys. */
const ALIAS = /^[a-zA-Z0-9/_-]{1,250}$/;

/** CreateKey (a symmetric customer managed key) and CreateAlias for it. */
export function CreateKeyModal({ clients, onClose }: { clients: Clients; onClose(alias?: string): void }) {
  const [alias, setAlias] = useState('');
  const [description, setDescription] = useState('');
  const invalid = alias !== '' && (!ALIAS.test(alias) || alias.startsWith('aws/'));

  const create = async () => {
    // An alias that is taken would fail after the key was made, leaving a key nobody named: checked first.
    for await (const page of paginateListAliases({ client: clients.kms }, {})) {
      if (page.Aliases?.some((a) => a.AliasName === `alias/${alias}`)) throw new Error(`An alias named alias/${alias} already exists.`);
    }
    const key = await clients.kms.send(new CreateKeyCommand({ Description: description || undefined }));
    await clients.kms.send(new CreateAliasCommand({ AliasName: `alias/${alias}`, TargetKeyId: key.KeyMetadata!.KeyId! }));
    onClose(`alias/${alias}`);
  };
  return (
    <FormModal header="Create key" submitLabel="Create key" submitTestId="create-key-submit" disabled={alias === '' || invalid} onCancel={() => onClose()} submit={create}>
      {(error) => (
        <SpaceBetween size="m">
          <FormField
            label="Alias"
            description="The name models and datasets refer to the key by (alias/NAME)."
            errorText={error ?? (invalid ? 'Letters, digits, /, _ and - only, not starting with aws/.' : undefined)}
          >
            <Input value={alias} onChange={({ detail }) => setAlias(detail.value)} name="keyAlias" placeholder="line-3-models" />
          </FormField>
          <FormField label="Description - optional">
            <Input value={description} onChange={({ detail }) => setDescription(detail.value)} name="keyDescription" />
          </FormField>
        </SpaceBetween>
      )}
    </FormModal>
  );
}
