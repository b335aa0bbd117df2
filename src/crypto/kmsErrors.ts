/** Errors of a key service, named as AWS KMS names them so the KMS API can answer with them as they are. */
export type KmsErrorName =
  | 'NotFoundException'
  | 'DisabledException'
  | 'KMSInvalidStateException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'ValidationException'
  | 'AlreadyExistsException'
  | 'InvalidAliasNameException'
  | 'AccessDeniedException'
  | 'LimitExceededException'
  | 'KMSInternalException'
  /** The KMS could not be reached or did not answer in time (an external KMS: network, TLS, timeout). */
  | 'DependencyTimeoutException'
  | 'UnsupportedOperationException'
  /** The request body is not a JSON object (the KMS protocol's answer, before any member is looked at). */
  | 'SerializationException';

export class KmsError extends Error {
  constructor(
    override readonly name: KmsErrorName,
    message: string,
  ) {
    super(message);
  }
}
