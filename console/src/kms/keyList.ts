import { DescribeKeyCommand, GetKeyRotationStatusCommand, type KeyMetadata, paginateListAliases, paginateListKeys } from '@aws-sdk/client-kms';
import type { Clients } from '../clients';

/** A KMS key with its aliases and rotation setting (undefined where the key cannot rotate, e.g. an AWS managed key). */
export interface KeyRow {
  metadata: KeyMetadata;
  aliases: string[];
  rotation: boolean | undefined;
}

/** Every key with its metadata and aliases (ListKeys, DescribeKey, ListAliases, GetKeyRotationStatus). */
export async function listKeys(clients: Clients, withRotation = false): Promise<KeyRow[]> {
  const ids: string[] = [];
  for await (const page of paginateListKeys({ client: clients.kms }, {})) ids.push(...(page.Keys ?? []).map((k) => k.KeyId!));
  const aliases = new Map<string, string[]>();
  for await (const page of paginateListAliases({ client: clients.kms }, {})) {
    for (const alias of page.Aliases ?? []) if (alias.TargetKeyId) aliases.set(alias.TargetKeyId, [...(aliases.get(alias.TargetKeyId) ?? []), alias.AliasName!]);
  }
  return Promise.all(
    ids.map(async (id) => {
      const metadata = (await clients.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
      let rotation: boolean | undefined;
      if (withRotation && metadata.KeyManager === 'CUSTOMER' && metadata.KeyState !== 'PendingDeletion') {
        rotation = (await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: id }))).KeyRotationEnabled;
      }
      return { metadata, aliases: aliases.get(id) ?? [], rotation };
    }),
  );
}

/** The name a person knows a key by: its first alias, else its id. */
export function keyLabel(row: KeyRow): string {
  return row.aliases[0] ?? row.metadata.KeyId!;
}
