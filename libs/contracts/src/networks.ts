export const NETWORKS = ['O2-UK', 'VODAFONE-UK', 'ORANGE-UK', 'TMOBILE-UK', 'THREE-UK', 'OTHER'] as const;
export type Network = (typeof NETWORKS)[number];

/** The home network: the operator that runs this ledger. */
export const HOME_NETWORK: Network = 'O2-UK';

export const MESSAGE_KINDS = ['SMS', 'MMS'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
