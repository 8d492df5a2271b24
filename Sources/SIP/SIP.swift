/// SIP transports, transactions, dialogs, authentication and the user agent.
