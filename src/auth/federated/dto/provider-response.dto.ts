import { ApiProperty } from '@nestjs/swagger';
import { FEDERATED_PROVIDER_IDS, type FederatedProviderId } from '../providers/sign-in-provider.js';

export class ProviderResponseDto {
  @ApiProperty({ enum: FEDERATED_PROVIDER_IDS, example: 'google' })
  id: FederatedProviderId;

  /**
   * The button label.
   * @example Google
   */
  name: string;

  /**
   * Where the button sends the browser: the start of the sign-in (add `?returnTo=/path` to land there).
   * @example https://api.example.com/api/auth/oauth/google
   */
  url: string;
}
