import ArgumentParser

CloudplaneCommand.main()
