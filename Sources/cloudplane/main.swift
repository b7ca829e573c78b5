await CloudplaneCommand.runMain()
