import { ApiProperty } from '@nestjs/swagger';
import { FEDERATED_PROVIDER_IDS, type FederatedProviderId } from '../providers/sign-in-provider.js';

export class IdentityResponseDto {
  @ApiProperty({ enum: FEDERATED_PROVIDER_IDS, example: 'google' })
  provider: FederatedProviderId;

  /**
   * The address the provider gave when it last signed the person in (empty when it gave none).
   * @example ada@gmail.com
   */
  email: string;

  /** When it was linked to the account. */
  linkedAt: Date;
}
