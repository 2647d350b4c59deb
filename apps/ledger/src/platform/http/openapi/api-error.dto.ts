import { ApiProperty } from '@nestjs/swagger';

/** Nest's body for 400, 401, 403 and 404: the status, what is wrong and why, and the status's name. */
export class ApiErrorDto {
  @ApiProperty({ type: 'integer', description: 'The HTTP status, repeated in the body.', example: 400 })
  statusCode!: number;

  @ApiProperty({
    description: 'What is wrong and why; for a 400, which parameter and the rule it breaks.',
    example: 'invalid query parameters: limit: Too big: expected number to be <=1000',
  })
  message!: string;

  @ApiProperty({ description: 'The name of the HTTP status.', example: 'Bad Request' })
  error!: string;
}
