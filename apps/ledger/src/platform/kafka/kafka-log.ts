import { Logger } from '@nestjs/common';
import kafkajs from 'kafkajs';

const { logLevel } = kafkajs;

/** Routes kafkajs' own log lines through the service's logger. */
export const kafkaLogCreator: kafkajs.logCreator = () => {
  const logger = new Logger('kafkajs');
  return ({ level, log }) => {
    const { message, ...extra } = log;
    const line = `${message} ${JSON.stringify(extra)}`;
    if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };
};
