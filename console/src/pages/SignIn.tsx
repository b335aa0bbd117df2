import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { type Session, signIn, signInError } from '../session';

/** Access key id and secret in, session credentials out; the secret leaves the page's state as soon as it is used. */
export function SignInPage({ notice, onSignedIn }: { notice?: string; onSignedIn(session: Session): void }) {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async () => {
    if (!accessKeyId.trim() || !secret) {
      setError('Enter an access key ID and its secret access key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await signIn(accessKeyId.trim(), secret);
      setSecret('');
      onSignedIn(session);
    } catch (e) {
      setSecret('');
      setError(signInError(e));
      setBusy(false);
    }
  };

  return (
    <Box padding={{ vertical: 'xxxl', horizontal: 'l' }}>
      <div className="vigil-sign-in">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <Form
            header={
              <Header variant="h1" description="Amazon Lookout for Vision, on your own hardware">
                Sign in to Vigil
              </Header>
            }
            actions={
              <Button variant="primary" loading={busy} formAction="submit" data-testid="sign-in">
                Sign in
              </Button>
            }
            errorText={error}
          >
            <Container>
              <SpaceBetween size="l">
                {notice && <Alert type="info">{notice}</Alert>}
                <FormField label="Access key ID" description="A Vigil access key, such as the one in .vigil/credentials.">
                  <Input value={accessKeyId} onChange={({ detail }) => setAccessKeyId(detail.value)} autoComplete="username" name="accessKeyId" autoFocus />
                </FormField>
                <FormField label="Secret access key" description="Used once to obtain a one-hour session; it is not stored.">
                  <Input value={secret} onChange={({ detail }) => setSecret(detail.value)} type="password" autoComplete="current-password" name="secretAccessKey" />
                </FormField>
              </SpaceBetween>
            </Container>
          </Form>
        </form>
      </div>
    </Box>
  );
}
