export class MessageResponseDto {
  /** @example Logged out successfully */
  message: string;
}
