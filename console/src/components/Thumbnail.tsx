import { GetObjectCommand } from '@aws-sdk/client-s3';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import type { Clients } from '../clients';

/** An image read through the S3 API with the session's credentials, shown from a blob: URL. */
export function Thumbnail({ clients, sourceRef }: { clients: Clients; sourceRef: string }) {
  const [url, setUrl] = useState<string | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(sourceRef);
    if (!match) {
      setFailed(true);
      return;
    }
    let created: string | undefined;
    let current = true;
    clients.s3
      .send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }))
      .then(async (object) => {
        const bytes = await object.Body!.transformToByteArray();
        if (!current) return;
        created = URL.createObjectURL(new Blob([bytes], { type: object.ContentType ?? 'image/jpeg' }));
        setUrl(created);
      })
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
      if (created) URL.revokeObjectURL(created);
    };
  }, [clients, sourceRef]);
  if (failed) return <StatusIndicator type="warning">Image unavailable</StatusIndicator>;
  if (!url) return <StatusIndicator type="loading">Loading</StatusIndicator>;
  return <img className="vigil-thumbnail" src={url} alt={sourceRef.split('/').pop()} />;
}
